/**
 * Content-Security-Policy for the renderer in browser mode: same origin only, no inline script, no
 * remote origins; `connect-src` allows the page's own WebSocket. Blob and data images are needed for
 * canvas exports and the image overlay; workers are module workers from the same origin.
 */
export function browserCsp(): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self' ws://127.0.0.1:* ws://localhost:*",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
