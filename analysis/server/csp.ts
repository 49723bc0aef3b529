/**
 * Content-Security-Policy of the renderer: same origin only, no inline or eval'd script, no remote
 * origins. Blob and data images are needed for canvas exports and the image overlay; workers are
 * module workers from the same origin. `connect` adds what the page may connect to besides itself
 * (browser mode: its own loopback WebSocket; the Electron app: nothing).
 */
export function buildCsp(connect: string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src ${["'self'", ...connect].join(' ')}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Browser mode: the page also talks to its engine over a WebSocket on loopback. */
export function browserCsp(): string {
  return buildCsp(['ws://127.0.0.1:*', 'ws://localhost:*']);
}
