/**
 * The app's Content-Security-Policy: the renderer is served from the privileged `app://` scheme and
 * may load nothing from anywhere else; no inline or eval'd script; no remote connections at all
 * (the engine is reached through the preload bridge, not the network).
 */
import { buildCsp } from '../../analysis/server/csp';

export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://studio`;

export function appCsp(): string {
  return buildCsp();
}
