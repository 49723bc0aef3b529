/**
 * Electron main process: one hardened window, the app:// scheme serving the built renderer with a
 * strict CSP, the IPC allowlist in front of the engine process, and the app menu. No analysis here.
 */
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { app, BrowserWindow, ipcMain, Menu, protocol, session } from 'electron';
import { appCsp, APP_ORIGIN, APP_SCHEME } from './csp';
import { EngineHost } from './engineHost';
import { guardIpcCall, IPC_CHANNELS } from './ipcGuard';
import { menuTemplate } from './menu';
import { hardenContents, hardenSession } from './security';
import { mainWindowOptions } from './windowOptions';

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

const rendererDir = join(import.meta.dirname, '../renderer');
const MIME: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

let win: BrowserWindow | null = null;

// Eval sweeps started in the app keep their journals (resume after a cancel) in the user data folder.
process.env.VLCACHE_EVAL_DIR ??= join(app.getPath('userData'), 'evals');

const host = new EngineHost(join(import.meta.dirname, 'engineProcess.js'), {
  onEvent: (e) => win?.webContents.send('vlcache:event', e),
  onRestart: (reason) =>
    win?.webContents.send('vlcache:event', {
      event: 'engineStatus',
      payload: { state: 'restarted', reason },
    }),
});

app.on('web-contents-created', (_e, contents) => hardenContents(contents));

app.whenReady().then(() => {
  hardenSession(session.defaultSession);
  protocol.handle(APP_SCHEME, async (req) => {
    const path =
      normalize(decodeURIComponent(new URL(req.url).pathname)).replace(/^([/\\])+/, '') || 'index.html';
    if (path.split(/[\\/]/).includes('..')) return new Response('not found', { status: 404 });
    try {
      const body = await readFile(join(rendererDir, path));
      return new Response(body, {
        headers: {
          'Content-Type': MIME[extname(path)] ?? 'application/octet-stream',
          'Content-Security-Policy': appCsp(),
        },
      });
    } catch {
      return new Response('not found', { status: 404 });
    }
  });

  for (const channel of IPC_CHANNELS) {
    ipcMain.handle(channel, (event, payload) => {
      const frame = event.senderFrame;
      const g = guardIpcCall(
        channel,
        { url: frame?.url ?? '', isTopFrame: frame !== null && frame === event.sender.mainFrame },
        payload,
      );
      return g.ok ? host.call(g.request) : g.reply;
    });
  }

  host.start();
  win = new BrowserWindow(mainWindowOptions(join(import.meta.dirname, '../preload/index.cjs')));
  win.once('ready-to-show', () => win?.show());
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      menuTemplate(
        (cmd) => win?.webContents.send('vlcache:event', { event: 'menu', payload: cmd }),
        process.platform === 'darwin',
      ),
    ),
  );
  void win.loadURL(`${APP_ORIGIN}/index.html`);
});

app.on('window-all-closed', () => {
  host.stop();
  app.quit();
});
