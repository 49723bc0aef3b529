/**
 * `.vlcs` files on disk: save atomically (the previous file survives any failure) and open with the
 * in-memory codec's checks. Opening needs neither the model nor a GPU.
 */
import { readFile, stat } from 'node:fs/promises';
import { type AtomicWriteOptions, writeFileAtomic } from './atomicWrite';
import { SessionFormatError } from './errors';
import { type DecodedSession, decodeSession, encodeSession, type SessionExtrasInput } from './sessionCodec';
import type { Recording } from '../record/recording';
import { ZIP_SIZE_LIMIT } from './zipArchive';

/**
 * Encodes and writes a session; validation errors are thrown before the disk is touched. Returns
 * the number of bytes written.
 */
export async function saveSessionFile(
  path: string,
  rec: Recording,
  extras: SessionExtrasInput,
  options: AtomicWriteOptions = {},
): Promise<{ bytes: number }> {
  const bytes = encodeSession(rec, extras);
  await writeFileAtomic(path, bytes, options);
  return { bytes: bytes.length };
}

/** Reads and decodes a session file. */
export async function openSessionFile(path: string): Promise<DecodedSession> {
  let bytes: Uint8Array;
  try {
    // A file this large cannot be a zip without ZIP64; refuse it before reading it into memory.
    const { size } = await stat(path);
    if (size >= ZIP_SIZE_LIMIT)
      throw new SessionFormatError(
        'too-large',
        `session file ${path} is ${size} bytes; sessions stay below 4 GiB`,
        {
          path,
          size,
        },
      );
    bytes = await readFile(path);
  } catch (e) {
    if (e instanceof SessionFormatError) throw e;
    const err = e as NodeJS.ErrnoException;
    throw new SessionFormatError('unreadable', `cannot read ${path}: ${err.message}`, {
      path,
      cause: err.code ?? err.message,
    });
  }
  return decodeSession(bytes);
}
