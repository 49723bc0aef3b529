/**
 * Reaching the engine from the renderer: through the Electron preload bridge (`window.vlcache`) when
 * running in the app, else over browser mode's WebSocket with the launch token from the page URL.
 * Either way the UI gets the same typed `EngineApi`.
 */
import { createRemoteEngine, type RemoteEngine } from '../../../analysis/engine/client';
import { ENGINE_METHODS, type EngineApi } from '../../../analysis/engine/api';
import { RemoteError } from '../../../analysis/engine/errors';
import type { EngineReply } from '../../../analysis/engine/protocol';
import { decodeTyped, encodeTyped } from '../../../analysis/engine/wireCodec';

export interface ConnectedEngine {
  api: EngineApi;
  transport: 'electron' | 'websocket';
  on(event: string, listener: (payload: unknown) => void): () => void;
  /** Called when the connection (or the engine process) goes away and, for Electron, comes back. */
  onStatus(listener: (status: EngineStatus) => void): () => void;
}

export type EngineStatus =
  | { state: 'connected' }
  | { state: 'lost'; reason: string }
  | { state: 'restarted'; reason: string };

/** What the Electron preload exposes on `window.vlcache` (electron/preload/index.ts). */
export type PreloadBridge = { [M in keyof EngineApi]: (params: unknown) => Promise<EngineReply> } & {
  on(event: string, listener: (payload: unknown) => void): () => void;
};

/** Turns the preload's envelope-returning methods into a plain EngineApi that throws RemoteError. */
export function bridgeApi(bridge: PreloadBridge): EngineApi {
  const api: Record<string, unknown> = {};
  for (const m of ENGINE_METHODS) {
    api[m] = async (params: unknown) => {
      const reply = await bridge[m](params ?? {});
      if (!reply.ok) throw new RemoteError(reply.error);
      return reply.result;
    };
  }
  return api as EngineApi;
}

declare global {
  interface Window {
    vlcache?: PreloadBridge;
  }
}

function statusHub() {
  const listeners = new Set<(s: EngineStatus) => void>();
  return {
    emit: (s: EngineStatus) => {
      for (const l of listeners) l(s);
    },
    onStatus(l: (s: EngineStatus) => void) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}

export function connectEngine(loc: Location = window.location): Promise<ConnectedEngine> {
  const bridge = window.vlcache;
  if (bridge) {
    const hub = statusHub();
    bridge.on('engineStatus', (p) => hub.emit(p as EngineStatus));
    return Promise.resolve({
      api: bridgeApi(bridge),
      transport: 'electron',
      on: bridge.on,
      onStatus: hub.onStatus,
    });
  }
  return connectWebSocket(loc);
}

export function connectWebSocket(loc: Location): Promise<ConnectedEngine> {
  const token = new URLSearchParams(loc.search).get('token');
  if (!token)
    return Promise.reject(
      new Error('this page needs the launch token: open the URL printed by "vlcache serve"'),
    );
  const hub = statusHub();
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${loc.host}/api?token=${encodeURIComponent(token)}`);
    const remote: RemoteEngine = createRemoteEngine({
      send: (req) => ws.send(JSON.stringify(encodeTyped(req))),
    });
    let opened = false;
    ws.onopen = () => {
      opened = true;
      resolve({ api: remote, transport: 'websocket', on: remote.on, onStatus: hub.onStatus });
      hub.emit({ state: 'connected' });
    };
    ws.onmessage = (ev) =>
      remote.receive(decodeTyped(JSON.parse(String(ev.data))) as Parameters<RemoteEngine['receive']>[0]);
    ws.onclose = () => {
      const reason = 'the connection to the engine closed; restart "vlcache serve" and reload';
      remote.failAll({ name: 'ConnectionLost', code: 'connection-lost', message: reason });
      if (opened) hub.emit({ state: 'lost', reason });
      else reject(new Error('could not connect to the engine (wrong or expired token?)'));
    };
  });
}
