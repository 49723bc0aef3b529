import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// Electron cannot be imported here (its binary is never downloaded on these machines): the engine
// process is a fake with the utilityProcess surface EngineHost uses.
class FakeChild extends EventEmitter {
  sent: unknown[] = [];
  killed = false;
  postMessage(m: unknown) {
    this.sent.push(m);
  }
  kill() {
    this.killed = true;
    this.emit('exit', 0);
  }
}
const children: FakeChild[] = [];
vi.mock('electron', () => ({
  utilityProcess: {
    fork: () => {
      const c = new FakeChild();
      children.push(c);
      return c;
    },
  },
}));

const { EngineHost } = await import('../../../electron/main/engineHost');

beforeEach(() => {
  children.length = 0;
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

describe('engine host', () => {
  it('forwards calls and matches replies by id', async () => {
    const host = new EngineHost('engine.js', { onEvent: () => {}, onRestart: () => {} });
    host.start();
    const p = host.call({ id: 7, method: 'version', params: {} });
    expect(children[0].sent).toEqual([{ id: 7, method: 'version', params: {} }]);
    children[0].emit('message', { id: 7, ok: true, result: { app: 'x' } });
    await expect(p).resolves.toEqual({ id: 7, ok: true, result: { app: 'x' } });
  });

  it('passes engine events on', () => {
    const events: unknown[] = [];
    const host = new EngineHost('engine.js', { onEvent: (e) => events.push(e), onRestart: () => {} });
    host.start();
    children[0].emit('message', { event: 'runProgress', payload: { stage: 'vision' } });
    expect(events).toEqual([{ event: 'runProgress', payload: { stage: 'vision' } }]);
  });

  it('fails pending calls when the engine crashes, reports it and starts a new engine', async () => {
    const restarts: string[] = [];
    const host = new EngineHost('engine.js', { onEvent: () => {}, onRestart: (r) => restarts.push(r) });
    host.start();
    const pending = host.call({ id: 1, method: 'run', params: {} });
    children[0].emit('exit', 139);
    const reply = await pending;
    expect(reply).toMatchObject({ id: 1, ok: false, error: { code: 'engine-crashed' } });
    expect(children).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(250);
    expect(children).toHaveLength(2);
    expect(restarts).toEqual([
      'The engine process stopped (exit code 139) and was restarted; unfinished work was lost.',
    ]);
    // The new engine answers.
    const p = host.call({ id: 2, method: 'version', params: {} });
    children[1].emit('message', { id: 2, ok: true, result: {} });
    await expect(p).resolves.toMatchObject({ ok: true });
  });

  it('backs off after repeated crashes and does not restart after stop', async () => {
    const host = new EngineHost('engine.js', { onEvent: () => {}, onRestart: () => {} });
    host.start();
    children[0].emit('exit', 1);
    await vi.advanceTimersByTimeAsync(200);
    children[1].emit('exit', 1);
    await vi.advanceTimersByTimeAsync(200);
    expect(children).toHaveLength(2); // second restart waits 400 ms
    await vi.advanceTimersByTimeAsync(200);
    expect(children).toHaveLength(3);
    host.stop();
    expect(children[2].killed).toBe(true);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(children).toHaveLength(3);
  });
});
