/**
 * Errors of `.vlcs` session files (STYLE rule 11). One class, `SessionFormatError`, for every way a
 * session can be refused — its `code` says which, so callers and tests branch on the code, and the
 * message names the bad entry, tensor or value. `SafetensorsError` is the tensor container's own
 * error, which the session reader wraps.
 */
import { VlcacheError } from '../engine/errors';

export const SESSION_ERROR_CODES = [
  /** The bytes end before the archive does (no end record, or an entry reaching past the end). */
  'truncated',
  /** Not a zip archive, or one this reader does not accept (encrypted, ZIP64, bad CRC, …). */
  'bad-zip',
  /** An entry name that is absolute or climbs out of the archive (`../x`, `/etc/x`, `a\..\b`). */
  'unsafe-path',
  /** An entry this format does not define. */
  'unknown-entry',
  /** A required entry is absent. */
  'missing-entry',
  /** An entry, archive, entry count or declared size over the limits (zip bombs; 4 GiB on write). */
  'too-large',
  /** A format version newer than this app reads. */
  'newer-version',
  /** manifest.json or timeline.json that does not parse or does not match the schema. */
  'schema',
  /** tensors.safetensors that is not a valid safetensors file. */
  'bad-tensors',
  /** A required tensor is absent. */
  'tensor-missing',
  /** A tensor this format does not define. */
  'tensor-unknown',
  /** A tensor whose dtype, shape or byte size disagrees with the manifest's dims. */
  'tensor-shape',
  /** NaN or ±∞ where only finite values are allowed. */
  'non-finite',
  /** The stored image's sha256 is not the manifest's. */
  'hash-mismatch',
  /** The session file cannot be read (missing, a folder, no permission, …). */
  'unreadable',
  /** Saving failed; the previous file, if any, is untouched. */
  'write-failed',
] as const;

export type SessionErrorCode = (typeof SESSION_ERROR_CODES)[number];

/** A session that cannot be read or written; nothing was changed. */
export class SessionFormatError extends VlcacheError {
  declare readonly code: SessionErrorCode;

  constructor(code: SessionErrorCode, message: string, details?: unknown) {
    super(code, message, details);
  }
}

/** A safetensors buffer or tensor set that breaks the format; `details.tensor` names the tensor. */
export class SafetensorsError extends VlcacheError {
  constructor(message: string, details?: { tensor?: string; [k: string]: unknown }) {
    super('bad-safetensors', message, details);
  }
}
