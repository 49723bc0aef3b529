/**
 * Browser mode (`vlcache serve`): the built renderer and the Engine API over a WebSocket, bound to
 * 127.0.0.1 only, guarded by a random per-launch token and an Origin check (DESIGN.md §7, §11).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EngineApi } from '../engine/api';
import { dispatch, type EngineEvent } from '../engine/protocol';
import { decodeTyped, encodeTyped } from '../engine/wireCodec';
import { checkUpgrade, newToken } from './auth';
import { serveStatic } from './staticFiles';

export interface ServeOptions {
  engine: EngineApi;
  /** Folder with the built renderer (index.html). */
  root: string;
  /** 0 picks a free port. */
  port: number;
  /** Fixed token (tests); a random one otherwise. */
  token?: string;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  /** Sends an engine event (run progress, …) to every connected page. */
  broadcast(event: EngineEvent): void;
  close(): Promise<void>;
}

/** Largest request accepted on the socket; bigger payloads (images, sessions) go in chunks. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export async function serve(options: ServeOptions): Promise<RunningServer> {
  const token = options.token ?? newToken();
  const http: Server = createServer((req, res) => {
    serveStatic(options.root, req, res).catch(() => res.writeHead(500).end());
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  let port = options.port;

  http.on('upgrade', (req, socket, head) => {
    const verdict = checkUpgrade(req, token, port);
    if (!verdict.ok) {
      socket.end(`HTTP/1.1 ${verdict.status} ${verdict.reason}\r\nConnection: close\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws, options.engine));
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, '127.0.0.1', () => resolve());
  });
  port = (http.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/?token=${token}`;
  return {
    url,
    port,
    token,
    broadcast(event: EngineEvent) {
      const text = JSON.stringify(encodeTyped(event));
      for (const c of wss.clients) if (c.readyState === c.OPEN) c.send(text);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}

function attach(ws: WebSocket, engine: EngineApi): void {
  ws.on('message', async (data, isBinary) => {
    let raw: unknown;
    try {
      raw = decodeTyped(
        JSON.parse(isBinary ? Buffer.from(data as Buffer).toString('utf8') : data.toString()),
      );
    } catch {
      ws.send(
        JSON.stringify({
          id: -1,
          ok: false,
          error: { name: 'InvalidRequestError', code: 'invalid-request', message: 'request is not JSON' },
        }),
      );
      return;
    }
    const reply = await dispatch(engine, raw);
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(encodeTyped(reply)));
  });
}
