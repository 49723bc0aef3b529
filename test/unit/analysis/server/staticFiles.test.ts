import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkUpgrade, tokensEqual } from '../../../../analysis/server/auth';
import { resolveStatic } from '../../../../analysis/server/staticFiles';
import type { IncomingMessage } from 'node:http';

const base = mkdtempSync(join(tmpdir(), 'vlc-static-'));
const root = join(base, 'www');
mkdirSync(join(root, 'assets'), { recursive: true });
writeFileSync(join(root, 'index.html'), '<html></html>');
writeFileSync(join(root, 'assets', 'a.js'), '1');
writeFileSync(join(base, 'secret.txt'), 'secret');
symlinkSync(join(base, 'secret.txt'), join(root, 'link.txt'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('static file resolution', () => {
  it('serves files under the root, index.html for /', async () => {
    expect(await resolveStatic(root, '/')).toBe(join(root, 'index.html'));
    expect(await resolveStatic(root, '/assets/a.js')).toBe(join(root, 'assets', 'a.js'));
  });
  it.each([
    '/../secret.txt',
    '/assets/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/link.txt',
    '/assets',
    '/nope',
    '/%E0%A4%A',
    '/a%00b',
  ])('refuses %s', async (p) => {
    expect(await resolveStatic(root, p)).toBeNull();
  });
});

function req(url: string, origin?: string): IncomingMessage {
  return { url, headers: origin ? { origin } : {} } as IncomingMessage;
}

describe('WebSocket upgrade check', () => {
  const token = 'a'.repeat(48);
  it('needs the token', () => {
    expect(checkUpgrade(req(`/api?token=${token}`), token, 9000)).toEqual({ ok: true });
    expect(checkUpgrade(req('/api'), token, 9000)).toMatchObject({ ok: false, status: 401 });
    expect(checkUpgrade(req(`/api?token=${'b'.repeat(48)}`), token, 9000)).toMatchObject({
      ok: false,
      status: 401,
    });
  });
  it('refuses other origins, accepts its own', () => {
    expect(checkUpgrade(req(`/api?token=${token}`, 'http://127.0.0.1:9000'), token, 9000)).toEqual({
      ok: true,
    });
    expect(checkUpgrade(req(`/api?token=${token}`, 'http://localhost:9000'), token, 9000)).toEqual({
      ok: true,
    });
    expect(checkUpgrade(req(`/api?token=${token}`, 'http://evil.example'), token, 9000)).toMatchObject({
      ok: false,
      status: 403,
    });
    expect(checkUpgrade(req(`/api?token=${token}`, 'http://127.0.0.1:9001'), token, 9000)).toMatchObject({
      ok: false,
      status: 403,
    });
  });
  it('compares tokens of any length safely', () => {
    expect(tokensEqual('abc', 'abc')).toBe(true);
    expect(tokensEqual('abc', 'abcd')).toBe(false);
  });
});
