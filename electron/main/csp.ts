/**
 * The app's Content-Security-Policy: the renderer is served from the privileged `app://` scheme and
 * may load nothing from anywhere else; no inline or eval'd script; no remote connections at all
 * (the engine is reached through the preload bridge, not the network).
 */
export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://studio`;

export function appCsp(): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
