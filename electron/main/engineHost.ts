/**
 * Hosts the Engine in an Electron `utilityProcess`, so a crash in native code (onnxruntime, sharp)
 * cannot take the window down. Requests are matched to replies by id; when the process dies, pending
 * calls fail with a clear error, the windows are told, and a fresh engine process is started.
 */
import { utilityProcess, type UtilityProcess } from 'electron';
import { serializeError, VlcacheError } from '../../analysis/engine/errors';
import type { EngineEvent, EngineReply } from '../../analysis/engine/protocol';

export class EngineCrashedError extends VlcacheError {
  constructor(reason: string) {
    super('engine-crashed', `the engine process stopped (${reason}); it is being restarted`);
  }
}

export interface EngineHostEvents {
  onEvent(e: EngineEvent): void;
  onRestart(reason: string): void;
}

export class EngineHost {
  private child: UtilityProcess | null = null;
  private pending = new Map<number, (r: EngineReply) => void>();
  private stopping = false;
  private restarts = 0;

  constructor(
    private readonly entry: string,
    private readonly events: EngineHostEvents,
  ) {}

  start(): void {
    const child = utilityProcess.fork(this.entry, [], { serviceName: 'vlcache-engine', stdio: 'inherit' });
    child.on('message', (msg: EngineReply | EngineEvent) => {
      if ('event' in msg) {
        this.events.onEvent(msg);
        return;
      }
      const done = this.pending.get(msg.id);
      if (done) {
        this.pending.delete(msg.id);
        done(msg);
      }
    });
    child.on('exit', (code) => {
      if (this.child !== child) return;
      this.child = null;
      const reason = `exit code ${code}`;
      for (const [id, done] of this.pending)
        done({ id, ok: false, error: serializeError(new EngineCrashedError(reason)) });
      this.pending.clear();
      if (this.stopping) return;
      // Back off after repeated crashes so a broken install does not spin.
      const delay = Math.min(5000, 200 * 2 ** this.restarts++);
      setTimeout(() => {
        this.start();
        this.events.onRestart(
          `The engine process stopped (${reason}) and was restarted; unfinished work was lost.`,
        );
      }, delay);
    });
    this.child = child;
  }

  call(request: { id: number; method: string; params: unknown }): Promise<EngineReply> {
    return new Promise((resolve) => {
      if (!this.child) {
        resolve({ id: request.id, ok: false, error: serializeError(new EngineCrashedError('not running')) });
        return;
      }
      this.pending.set(request.id, resolve);
      this.child.postMessage(request);
    });
  }

  stop(): void {
    this.stopping = true;
    this.child?.kill();
  }
}
