/**
 * Who may talk to browser mode's API: a WebSocket upgrade must carry the per-launch token (as
 * Jupyter does) and, when a browser sends an Origin, it must be this server's own loopback origin —
 * so a web page on another site cannot drive the engine even if it guesses the port.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export function newToken(): string {
  return randomBytes(24).toString('hex');
}

export function tokensEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export type UpgradeVerdict = { ok: true } | { ok: false; status: number; reason: string };

export function checkUpgrade(req: IncomingMessage, token: string, port: number): UpgradeVerdict {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (url.pathname !== '/api') return { ok: false, status: 404, reason: 'unknown path' };
  const given = url.searchParams.get('token') ?? '';
  if (!tokensEqual(given, token)) return { ok: false, status: 401, reason: 'missing or wrong token' };
  const origin = req.headers.origin;
  const allowed = [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
  if (origin !== undefined && !allowed.includes(origin))
    return { ok: false, status: 403, reason: `origin ${origin} not allowed` };
  return { ok: true };
}
