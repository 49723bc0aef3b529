import { describe, expect, it } from 'vitest';
import {
  guardIpcCall,
  IPC_CHANNELS,
  isTrustedSender,
  methodForChannel,
} from '../../../electron/main/ipcGuard';

const app = { url: 'app://studio/index.html', isTopFrame: true };

describe('IPC guard', () => {
  it('has one allowlisted channel per Engine API method', () => {
    expect(IPC_CHANNELS).toContain('vlcache:listModels');
    expect(methodForChannel('vlcache:listProviders')).toBe('listProviders');
    expect(methodForChannel('vlcache:__proto__')).toBeNull();
    expect(methodForChannel('other:version')).toBeNull();
  });

  it('forwards a valid call', () => {
    const g = guardIpcCall('vlcache:version', app, {});
    expect(g.ok).toBe(true);
    if (g.ok) expect(g.request.method).toBe('version');
  });

  it('rejects an unknown channel with a clear error', () => {
    const g = guardIpcCall('vlcache:deleteEverything', app, {});
    expect(g.ok).toBe(false);
    if (!g.ok) {
      expect(g.reply.ok).toBe(false);
      if (!g.reply.ok) {
        expect(g.reply.error.code).toBe('invalid-request');
        expect(g.reply.error.message).toBe('unknown channel: vlcache:deleteEverything');
      }
    }
  });

  it('rejects malformed payloads naming the problem', () => {
    for (const payload of [{ extra: 1 }, 'string', 42]) {
      const g = guardIpcCall('vlcache:listModels', app, payload);
      expect(g.ok).toBe(false);
      if (!g.ok && !g.reply.ok) expect(g.reply.error.message).toMatch(/^invalid params for listModels: /);
    }
  });

  it('refuses calls from sub-frames and foreign origins', () => {
    expect(isTrustedSender(app)).toBe(true);
    expect(isTrustedSender({ url: 'app://studio/index.html', isTopFrame: false })).toBe(false);
    expect(isTrustedSender({ url: 'https://evil.example/', isTopFrame: true })).toBe(false);
    expect(isTrustedSender({ url: 'file:///etc/passwd', isTopFrame: true })).toBe(false);
    expect(isTrustedSender({ url: 'not a url', isTopFrame: true })).toBe(false);
    const g = guardIpcCall('vlcache:version', { url: 'https://evil.example/', isTopFrame: true }, {});
    expect(g.ok).toBe(false);
  });
});
