/**
 * The only bridge between the page and the main process. It exposes named EngineApi methods (each on
 * its own allowlisted channel) and an event subscription limited to engine events; nothing else of
 * Electron or Node reaches the page. Replies are envelopes `{ ok, result | error }`, unwrapped in the
 * renderer, because errors thrown across contextBridge lose their code and details.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { ENGINE_METHODS } from '../../analysis/engine/api';

const bridge: Record<string, unknown> = {};
for (const m of ENGINE_METHODS)
  bridge[m] = (params: unknown) => ipcRenderer.invoke(`vlcache:${m}`, params ?? {});

bridge.on = (event: string, listener: (payload: unknown) => void) => {
  const handler = (_e: unknown, msg: { event: string; payload: unknown }) => {
    if (msg && msg.event === event) listener(msg.payload);
  };
  ipcRenderer.on('vlcache:event', handler);
  return () => ipcRenderer.removeListener('vlcache:event', handler);
};

contextBridge.exposeInMainWorld('vlcache', bridge);
