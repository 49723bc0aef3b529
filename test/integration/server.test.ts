import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Engine } from '../../analysis/engine/engine';
import { type RunningServer, serve } from '../../analysis/server/server';
import { writeFixtureModel } from '../helpers/fixtureModel';

let server: RunningServer;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vlc-serve-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
  const bundled = join(dir, 'bundled');
  writeFixtureModel(join(bundled, 'fixture'));
  server = await serve({
    engine: new Engine({ modelRoots: { bundled, user: join(dir, 'none') } }),
    root: dir,
    port: 0,
  });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function call(ws: WebSocket, msg: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    ws.once('message', (d) => resolve(JSON.parse(d.toString())));
    ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  });
}

describe('browser mode server', () => {
  it('binds loopback only and prints a URL with the token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(server.token).toMatch(/^[0-9a-f]{48}$/);
  });

  it('serves the renderer with security headers', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await fetch(`http://127.0.0.1:${server.port}/`, { method: 'POST' })).status).toBe(405);
  });

  it('refuses a WebSocket without the token, with a wrong token, or from another origin', async () => {
    const base = `ws://127.0.0.1:${server.port}/api`;
    await expect(open(base)).rejects.toThrow('HTTP 401');
    await expect(open(`${base}?token=${'0'.repeat(48)}`)).rejects.toThrow('HTTP 401');
    await expect(open(`${base}?token=${server.token}`, { Origin: 'http://evil.example' })).rejects.toThrow(
      'HTTP 403',
    );
  });

  it('answers Engine API calls with the token, and rejects bad requests clearly', async () => {
    const ws = await open(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, {
      Origin: `http://127.0.0.1:${server.port}`,
    });
    const v = await call(ws, { id: 1, method: 'version', params: {} });
    expect(v).toMatchObject({ id: 1, ok: true });
    const models = await call(ws, { id: 2, method: 'listModels', params: {} });
    expect(models).toMatchObject({
      id: 2,
      ok: true,
      result: [{ name: 'fixture-vlm', ok: true, source: 'bundled' }],
    });
    const bad = await call(ws, { id: 3, method: 'shutdown', params: {} });
    expect(bad).toMatchObject({
      id: 3,
      ok: false,
      error: { code: 'invalid-request', message: 'unknown method: "shutdown"' },
    });
    const notJson = await call(ws, '{oops');
    expect(notJson).toMatchObject({ ok: false, error: { message: 'request is not JSON' } });
    ws.close();
  });
});
