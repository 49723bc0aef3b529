/**
 * The application menu as a template (pure, tested): File (open image, open/save session, quit),
 * Edit (undo/redo go to the app's action log, not the page), View, Help.
 */
import type { MenuItemConstructorOptions } from 'electron';

export type MenuCommand =
  | 'about'
  | 'openImage'
  | 'openSession'
  | 'saveSession'
  | 'saveSessionAs'
  | 'undo'
  | 'redo';

export function menuTemplate(send: (cmd: MenuCommand) => void, isMac: boolean): MenuItemConstructorOptions[] {
  return [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open Image…', accelerator: 'CmdOrCtrl+O', click: () => send('openImage') },
        { label: 'Open Session…', accelerator: 'CmdOrCtrl+Shift+O', click: () => send('openSession') },
        { type: 'separator' },
        { label: 'Save Session', accelerator: 'CmdOrCtrl+S', click: () => send('saveSession') },
        { label: 'Save Session As…', accelerator: 'CmdOrCtrl+Shift+S', click: () => send('saveSessionAs') },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    {
      label: 'Edit',
      submenu: [
        { label: 'Undo', accelerator: 'CmdOrCtrl+Z', click: () => send('undo') },
        { label: 'Redo', accelerator: 'CmdOrCtrl+Shift+Z', click: () => send('redo') },
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { role: 'selectAll' },
      ],
    },
    {
      label: 'View',
      submenu: [
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'help', submenu: [{ label: 'About VL-Cache Studio', click: () => send('about') }] },
  ];
}
