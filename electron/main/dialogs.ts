/**
 * File dialogs. The renderer never names a path itself: paths reach the engine only from these
 * dialogs (DESIGN.md §11).
 */
import { type BrowserWindow, dialog } from 'electron';

export const IMAGE_FILTERS = [{ name: 'Images', extensions: ['png', 'jpg', 'jpeg', 'webp'] }];
export const SESSION_FILTERS = [{ name: 'VL-Cache session', extensions: ['vlcs'] }];

export async function chooseFile(win: BrowserWindow, kind: 'image' | 'session'): Promise<string | null> {
  const r = await dialog.showOpenDialog(win, {
    properties: ['openFile'],
    filters: kind === 'image' ? IMAGE_FILTERS : SESSION_FILTERS,
  });
  return r.canceled || r.filePaths.length === 0 ? null : r.filePaths[0];
}

export async function chooseSavePath(win: BrowserWindow, defaultName: string): Promise<string | null> {
  const r = await dialog.showSaveDialog(win, { defaultPath: defaultName, filters: SESSION_FILTERS });
  return r.canceled || !r.filePath ? null : r.filePath;
}
