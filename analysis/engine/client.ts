/**
 * The client half of the wire protocol: turns any message channel into a typed `EngineApi` proxy
 * (as VS Code's ProxyChannel does). Used by the renderer over WebSocket and over Electron IPC. Pure:
 * no Node, no DOM, so it runs in the renderer and in tests.
 */
import {
  ENGINE_METHODS,
  type EngineApi,
  type EngineMethod,
  type EngineParams,
  type EngineResult,
} from './api';
import { RemoteError, type SerializedError } from './errors';
import type { EngineEvent, EngineReply } from './protocol';

export interface EngineChannel {
  send(request: { id: number; method: string; params: unknown }): void;
}

export interface RemoteEngine extends EngineApi {
  /** Feed a message that arrived from the engine (reply or event). */
  receive(message: EngineReply | EngineEvent): void;
  /** Subscribe to an engine event; returns the unsubscribe function. */
  on(event: string, listener: (payload: unknown) => void): () => void;
  /** Rejects every pending call (the connection is gone). */
  failAll(error: SerializedError): void;
}

export function createRemoteEngine(channel: EngineChannel): RemoteEngine {
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();

  const call = <M extends EngineMethod>(method: M, params: EngineParams<M>): Promise<EngineResult<M>> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      channel.send({ id, method, params });
    });

  const api = {} as EngineApi;
  for (const m of ENGINE_METHODS) {
    (api as Record<string, unknown>)[m] = (params: unknown) => call(m, (params ?? {}) as never);
  }

  return Object.assign(api, {
    receive(message: EngineReply | EngineEvent) {
      if ('event' in message) {
        for (const l of listeners.get(message.event) ?? []) l(message.payload);
        return;
      }
      const p = pending.get(message.id);
      if (!p) return;
      pending.delete(message.id);
      if (message.ok) p.resolve(message.result);
      else p.reject(new RemoteError(message.error));
    },
    on(event: string, listener: (payload: unknown) => void) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
    failAll(error: SerializedError) {
      for (const p of pending.values()) p.reject(new RemoteError(error));
      pending.clear();
    },
  });
}
