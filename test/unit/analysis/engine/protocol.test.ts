import { describe, expect, it } from 'vitest';
import type { EngineApi } from '../../../../analysis/engine/api';
import { createRemoteEngine } from '../../../../analysis/engine/client';
import { BadInputError, RemoteError } from '../../../../analysis/engine/errors';
import { dispatch, type EngineReply } from '../../../../analysis/engine/protocol';

// Only the methods these tests call; the others are never reached.
const fake = {
  version: async () => ({ app: '1.2.3', node: '20', onnxruntime: '1.30.0', platform: 'linux-x64' }),
  listProviders: async () => [{ id: 'cpu', available: true }],
  listModels: async () => {
    throw new BadInputError('models folder unreadable', { dir: '/x' });
  },
} as unknown as EngineApi;

describe('dispatch', () => {
  it('calls an allowlisted method and validates its result', async () => {
    expect(await dispatch(fake, { id: 7, method: 'version', params: {} })).toEqual({
      id: 7,
      ok: true,
      result: { app: '1.2.3', node: '20', onnxruntime: '1.30.0', platform: 'linux-x64' },
    });
  });

  it.each([
    [{ id: 1, method: 'eval', params: {} }, /^unknown method: "eval"/],
    [{ id: 1, method: 'constructor', params: {} }, /^unknown method/],
    [{ id: 'x', method: 'version' }, /^malformed request: id: /],
    [null, /^malformed request/],
    [{ id: 2, method: 'version', params: { a: 1 } }, /^invalid params for version: /],
  ])('rejects %j', async (raw, message) => {
    const r = await dispatch(fake, raw);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('invalid-request');
      expect(r.error.message).toMatch(message);
    }
  });

  it('carries the error class, code and details of a failure', async () => {
    const r = await dispatch(fake, { id: 3, method: 'listModels', params: {} });
    expect(r).toEqual({
      id: 3,
      ok: false,
      error: {
        name: 'BadInputError',
        code: 'bad-input',
        message: 'models folder unreadable',
        details: { dir: '/x' },
      },
    });
  });

  it('refuses to send a result that does not match the schema', async () => {
    const broken = {
      ...fake,
      listProviders: async () => [{ id: 'tpu', available: 'yes' }],
    } as unknown as EngineApi;
    const r = await dispatch(broken, { id: 4, method: 'listProviders', params: {} });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/^engine returned an invalid listProviders result/);
  });
});

describe('remote engine client', () => {
  it('round-trips calls and errors over a message channel', async () => {
    const remote = createRemoteEngine({
      send: (req) => {
        void dispatch(fake, req).then((reply: EngineReply) => remote.receive(reply));
      },
    });
    expect((await remote.version({})).app).toBe('1.2.3');
    const err = await remote.listModels({}).catch((e) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect(err.code).toBe('bad-input');
    expect(err.remoteName).toBe('BadInputError');
  });

  it('delivers events to subscribers and fails pending calls when the connection drops', async () => {
    const remote = createRemoteEngine({ send: () => {} });
    const got: unknown[] = [];
    const off = remote.on('progress', (p) => got.push(p));
    remote.receive({ event: 'progress', payload: { stage: 'vision' } });
    off();
    remote.receive({ event: 'progress', payload: { stage: 'prefill' } });
    expect(got).toEqual([{ stage: 'vision' }]);
    const pending = remote.version({});
    remote.failAll({ name: 'ConnectionLost', code: 'connection-lost', message: 'gone' });
    await expect(pending).rejects.toThrow('gone');
  });
});
