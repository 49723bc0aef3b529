/**
 * The zip container of a session, hardened for files from strangers. Writing goes through fflate's
 * `zipSync`; reading parses the end record and central directory here, because every limit must be
 * checked against the declared sizes before anything is inflated (fflate's `unzipSync` allocates the
 * declared size first, does not bound-check offsets and does not verify CRCs). fflate has no ZIP64,
 * so every entry and the archive must stay below 4 GiB; the writer checks before allocating.
 */
import { inflateSync, type Zippable, zipSync } from 'fflate';
import { crc32 } from './crc32';
import { SessionFormatError } from './errors';

/** Entries and archives must be strictly smaller (32-bit sizes and offsets, no ZIP64). */
export const ZIP_SIZE_LIMIT = 2 ** 32;

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const END_SIZE = 22;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
/** The end record sits within its own size plus the longest comment (65,535 bytes) of the end. */
const END_SEARCH = END_SIZE + 0xffff;
/** Deflate cannot expand more than 1032:1, so a larger declared size is a lie. */
const DEFLATE_MAX_RATIO = 1032;

export interface ZipEntryInput {
  name: string;
  data: Uint8Array;
  /** Store uncompressed (level 0) so the entry can be read in place; otherwise deflate. */
  store: boolean;
}

const gib = (n: number) => `${(n / 2 ** 30).toFixed(2)} GiB`;

/**
 * An upper bound of the archive size fflate writes for these entries: local header + data + central
 * header per entry, plus the end record. Deflate falls back to stored blocks (5 bytes per ≤ 64 KiB)
 * when compression does not pay, so the bound for a deflated entry is its size plus that overhead.
 */
export function zipSizeBound(entries: readonly { name: string; size: number; store: boolean }[]): number {
  let total = END_SIZE;
  for (const e of entries) {
    const nameLen = new TextEncoder().encode(e.name).length;
    const data = e.store ? e.size : e.size + 5 * Math.ceil(e.size / 16384) + 64;
    total += LOCAL_SIZE + CENTRAL_SIZE + 2 * nameLen + data;
  }
  return total;
}

/** Throws `too-large` unless every entry and the archive fit a zip without ZIP64. */
export function checkZipSizes(entries: readonly { name: string; size: number; store: boolean }[]): void {
  for (const e of entries)
    if (e.size >= ZIP_SIZE_LIMIT)
      throw new SessionFormatError(
        'too-large',
        `entry ${e.name} is ${gib(e.size)}; entries must stay below 4 GiB`,
        {
          entry: e.name,
          size: e.size,
          limit: ZIP_SIZE_LIMIT,
        },
      );
  const bound = zipSizeBound(entries);
  if (bound >= ZIP_SIZE_LIMIT)
    throw new SessionFormatError(
      'too-large',
      `session would be ${gib(bound)}; archives must stay below 4 GiB`,
      {
        size: bound,
        limit: ZIP_SIZE_LIMIT,
      },
    );
}

/** Builds the archive in the given entry order; `mtime` is stamped on every entry. */
export function writeZip(entries: readonly ZipEntryInput[], mtime: Date): Uint8Array {
  checkZipSizes(entries.map((e) => ({ name: e.name, size: e.data.length, store: e.store })));
  const files: Zippable = {};
  for (const e of entries) files[e.name] = [e.data, { level: e.store ? 0 : 6, mtime }];
  return zipSync(files);
}

/**
 * Refuses names that are empty, absolute (`/x`, `\x`, `C:x`), hold a NUL or climb with `..` — with
 * either slash, since `a\..\b` is a path on Windows.
 */
export function checkEntryName(name: string): void {
  const unsafe =
    name.length === 0 ||
    name.includes('\0') ||
    /^[/\\]/.test(name) ||
    /^[A-Za-z]:/.test(name) ||
    name.split(/[/\\]/).some((part) => part === '..');
  if (unsafe)
    throw new SessionFormatError('unsafe-path', `unsafe entry name ${JSON.stringify(name)}`, { entry: name });
}

export interface ZipEntryInfo {
  name: string;
  /** 0 stored, 8 deflated. */
  method: 0 | 8;
  compressedSize: number;
  size: number;
  crc: number;
  /** Where the entry's local header starts in the archive. */
  localOffset: number;
  /** Where the entry's (compressed) data starts in the archive. */
  dataOffset: number;
}

export interface ZipReadLimits {
  /** The only names accepted, each with its largest declared uncompressed size. */
  entries: ReadonlyMap<string, number>;
  maxEntries: number;
  maxTotalBytes: number;
}

/**
 * Indexes an archive from its central directory, checking names, entry count, declared sizes and
 * offsets before any data is touched. Throws SessionFormatError: `truncated`, `bad-zip`,
 * `unsafe-path`, `unknown-entry` or `too-large`.
 */
export function readZipIndex(bytes: Uint8Array, limits: ZipReadLimits): Map<string, ZipEntryInfo> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  const startsLikeZip = bytes.length >= 4 && u32(0) === SIG_LOCAL;

  const end = findEndRecord(bytes, view);
  if (end < 0) {
    if (bytes.length === 0) throw new SessionFormatError('truncated', 'session file is empty');
    // A zip begins with a local header and ends with the end record; with the first and without
    // the second the file was cut short.
    if (startsLikeZip || (bytes.length < 4 && bytes[0] === 0x50))
      throw new SessionFormatError(
        'truncated',
        `session file is truncated (${bytes.length} bytes, no zip end record)`,
        {
          size: bytes.length,
        },
      );
    throw new SessionFormatError('bad-zip', 'not a zip archive (no end record)', { size: bytes.length });
  }
  if (end >= 20 && u32(end - 20) === SIG_ZIP64_LOCATOR)
    throw new SessionFormatError('bad-zip', 'zip64 archives are not supported');
  const count = u16(end + 10);
  const cdSize = u32(end + 12);
  const cdOffset = u32(end + 16);
  if (u16(end + 4) !== 0 || u16(end + 6) !== 0 || u16(end + 8) !== count)
    throw new SessionFormatError('bad-zip', 'multi-disk zip archives are not supported');
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff)
    throw new SessionFormatError('bad-zip', 'zip64 archives are not supported');
  if (count > limits.maxEntries)
    throw new SessionFormatError(
      'too-large',
      `archive declares ${count} entries, over the limit of ${limits.maxEntries}`,
      {
        count,
        limit: limits.maxEntries,
      },
    );
  if (cdOffset + cdSize > end)
    throw new SessionFormatError(
      'bad-zip',
      `central directory [${cdOffset}, ${cdOffset + cdSize}) overlaps the end record at ${end}`,
    );

  const out = new Map<string, ZipEntryInfo>();
  let total = 0;
  let at = cdOffset;
  const cdEnd = cdOffset + cdSize;
  for (let i = 0; i < count; i++) {
    if (at + CENTRAL_SIZE > cdEnd || u32(at) !== SIG_CENTRAL)
      throw new SessionFormatError('bad-zip', `central directory entry ${i} is malformed`, { index: i });
    const flags = u16(at + 8);
    const method = u16(at + 10);
    const crc = u32(at + 16);
    const compressedSize = u32(at + 20);
    const size = u32(at + 24);
    const nameLen = u16(at + 28);
    const extraLen = u16(at + 30);
    const commentLen = u16(at + 32);
    const localOffset = u32(at + 42);
    if (at + CENTRAL_SIZE + nameLen > cdEnd)
      throw new SessionFormatError('bad-zip', `central directory entry ${i} is malformed`, { index: i });
    const nameBytes = bytes.subarray(at + CENTRAL_SIZE, at + CENTRAL_SIZE + nameLen);
    let name: string;
    try {
      name = new TextDecoder('utf-8', { fatal: true }).decode(nameBytes);
    } catch {
      throw new SessionFormatError('bad-zip', `entry ${i} has a name that is not utf-8`, { index: i });
    }
    at += CENTRAL_SIZE + nameLen + extraLen + commentLen;

    checkEntryName(name);
    const cap = limits.entries.get(name);
    if (cap === undefined)
      throw new SessionFormatError('unknown-entry', `unknown entry ${JSON.stringify(name)}`, {
        entry: name,
        known: [...limits.entries.keys()],
      });
    if (out.has(name))
      throw new SessionFormatError('bad-zip', `entry ${name} appears twice`, { entry: name });
    if (flags & 1) throw new SessionFormatError('bad-zip', `entry ${name} is encrypted`, { entry: name });
    if (method !== 0 && method !== 8)
      throw new SessionFormatError('bad-zip', `entry ${name} uses compression method ${method}`, {
        entry: name,
        method,
      });
    if (size === 0xffffffff || compressedSize === 0xffffffff)
      throw new SessionFormatError('bad-zip', 'zip64 archives are not supported', { entry: name });
    if (size > cap)
      throw new SessionFormatError(
        'too-large',
        `entry ${name} declares ${size} bytes, over its limit of ${cap}`,
        {
          entry: name,
          size,
          limit: cap,
        },
      );
    total += size;
    if (total > limits.maxTotalBytes)
      throw new SessionFormatError(
        'too-large',
        `entries declare over ${limits.maxTotalBytes} bytes in total`,
        {
          total,
          limit: limits.maxTotalBytes,
        },
      );
    if (method === 0 && compressedSize !== size)
      throw new SessionFormatError(
        'bad-zip',
        `stored entry ${name} has sizes ${compressedSize} and ${size}`,
        {
          entry: name,
        },
      );
    if (method === 8 && size > compressedSize * DEFLATE_MAX_RATIO + 64)
      throw new SessionFormatError(
        'too-large',
        `entry ${name} declares ${size} bytes from ${compressedSize} compressed`,
        {
          entry: name,
          size,
          compressedSize,
        },
      );

    if (localOffset + LOCAL_SIZE > cdOffset || u32(localOffset) !== SIG_LOCAL)
      throw new SessionFormatError('bad-zip', `entry ${name} has no local header at ${localOffset}`, {
        entry: name,
      });
    const localNameLen = u16(localOffset + 26);
    const localExtraLen = u16(localOffset + 28);
    const localName = bytes.subarray(localOffset + LOCAL_SIZE, localOffset + LOCAL_SIZE + localNameLen);
    if (!sameBytes(localName, nameBytes))
      throw new SessionFormatError('bad-zip', `entry ${name} has a different name in its local header`, {
        entry: name,
      });
    const dataOffset = localOffset + LOCAL_SIZE + localNameLen + localExtraLen;
    if (dataOffset + compressedSize > cdOffset)
      throw new SessionFormatError('bad-zip', `entry ${name} runs into the central directory`, {
        entry: name,
      });
    out.set(name, { name, method, compressedSize, size, crc, localOffset, dataOffset });
  }
  if (at !== cdEnd)
    throw new SessionFormatError('bad-zip', 'central directory size does not match its entries');

  // Entries that share bytes are a zip-bomb device (one payload counted many times).
  const sorted = [...out.values()].sort((a, b) => a.localOffset - b.localOffset);
  for (let i = 1; i < sorted.length; i++)
    if (sorted[i - 1].dataOffset + sorted[i - 1].compressedSize > sorted[i].localOffset)
      throw new SessionFormatError('bad-zip', `entries ${sorted[i - 1].name} and ${sorted[i].name} overlap`);
  return out;
}

/** The last end record whose comment reaches exactly to the end of the bytes, or −1. */
function findEndRecord(bytes: Uint8Array, view: DataView): number {
  const lowest = Math.max(0, bytes.length - END_SEARCH);
  for (let at = bytes.length - END_SIZE; at >= lowest; at--)
    if (
      view.getUint32(at, true) === SIG_END &&
      at + END_SIZE + view.getUint16(at + 20, true) === bytes.length
    )
      return at;
  return -1;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * An entry's data, CRC-checked: a view into `bytes` when stored, freshly inflated into exactly the
 * declared size when deflated.
 */
export function readZipEntry(bytes: Uint8Array, e: ZipEntryInfo): Uint8Array {
  const raw = bytes.subarray(e.dataOffset, e.dataOffset + e.compressedSize);
  let data: Uint8Array;
  if (e.method === 0) data = raw;
  else {
    try {
      data = inflateSync(raw, { out: new Uint8Array(e.size) });
    } catch (err) {
      throw new SessionFormatError('bad-zip', `entry ${e.name} does not inflate: ${(err as Error).message}`, {
        entry: e.name,
      });
    }
  }
  // fflate writes no further than the buffer it is given, so a stream longer than declared shows up
  // only as a CRC mismatch; a shorter one as a short result.
  if (data.length !== e.size)
    throw new SessionFormatError(
      'bad-zip',
      `entry ${e.name} inflates to ${data.length} bytes, not ${e.size}`,
      {
        entry: e.name,
      },
    );
  if (crc32(data) !== e.crc)
    throw new SessionFormatError('bad-zip', `entry ${e.name} fails its crc check`, { entry: e.name });
  return data;
}
