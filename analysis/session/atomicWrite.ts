/**
 * Replaces a file so that a crash, a full disk or any error leaves either the old file or the new
 * one, never a mix (DESIGN.md §6): write a temporary file in the same folder (rename is atomic only
 * within a file system), fsync it, rename it over the target, then fsync the folder so the rename
 * itself is durable. On failure the temporary file is removed and the target is untouched.
 */
import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SessionFormatError } from './errors';

export interface AtomicWriteOptions {
  /**
   * Runs after the temporary file is written and synced, before the rename; throwing aborts the
   * save. For tests that need a failure at the last moment, and for callers that want a final check.
   */
  beforeRename?: (tempPath: string) => void | Promise<void>;
}

/** The temporary name: hidden, beside the target, unique per call; `.tmp` so leftovers are recognisable. */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

export async function writeFileAtomic(
  target: string,
  data: Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const temp = tempPathFor(target);
  let handle: FileHandle | undefined;
  try {
    // 'wx': never follow or reuse something already at the temporary name.
    handle = await open(temp, 'wx');
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await options.beforeRename?.(temp);
    await rename(temp, target);
  } catch (e) {
    await handle?.close().catch(() => undefined);
    await rm(temp, { force: true }).catch(() => undefined);
    const err = e as NodeJS.ErrnoException;
    throw new SessionFormatError('write-failed', `cannot save ${target}: ${err.message}`, {
      path: target,
      cause: err.code ?? err.message,
    });
  }
  await syncFolder(dirname(target));
}

/** Best effort: some platforms (Windows) cannot open a folder for fsync; the rename has happened. */
async function syncFolder(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Nothing to undo: the new file is in place either way.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
