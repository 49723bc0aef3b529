import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { crc32, crc32Js } from '../../../../analysis/session/crc32';
import { SessionFormatError } from '../../../../analysis/session/errors';
import {
  checkEntryName,
  checkZipSizes,
  readZipEntry,
  readZipIndex,
  writeZip,
  ZIP_SIZE_LIMIT,
  type ZipReadLimits,
} from '../../../../analysis/session/zipArchive';
import { mulberry32 } from '../../../helpers/syntheticRecording';

const enc = (s: string) => new TextEncoder().encode(s);

const limits = (over: Partial<ZipReadLimits> = {}): ZipReadLimits => ({
  entries: new Map([
    ['a.json', 1000],
    ['b.bin', 1_000_000],
  ]),
  maxEntries: 8,
  maxTotalBytes: 2_000_000,
  ...over,
});

function randomBytes(n: number, seed = 5): Uint8Array {
  const r = mulberry32(seed);
  return new Uint8Array(n).map(() => Math.floor(r() * 256));
}

const sample = () =>
  writeZip(
    [
      { name: 'a.json', data: enc('{"hello":"world","n":[1,2,3,1,2,3,1,2,3]}'), store: false },
      { name: 'b.bin', data: randomBytes(3000), store: true },
    ],
    new Date(2024, 0, 2),
  );

/** Offset of a name's central-directory record (archives without comments). */
function centralRecord(bytes: Uint8Array, name: string): number {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length - 22;
  let at = v.getUint32(end + 16, true);
  for (let i = 0; i < v.getUint16(end + 10, true); i++) {
    const n = v.getUint16(at + 28, true);
    if (new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + n)) === name) return at;
    at += 46 + n + v.getUint16(at + 30, true) + v.getUint16(at + 32, true);
  }
  throw new Error(`no ${name}`);
}

function patch32(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(at, value, true);
  return out;
}

function expectCode(fn: () => unknown, code: string, pattern?: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SessionFormatError);
    expect((e as SessionFormatError).code, (e as Error).message).toBe(code);
    if (pattern) expect((e as Error).message).toMatch(pattern);
    return;
  }
  throw new Error(`expected a SessionFormatError ${code}`);
}

describe('crc32', () => {
  it('gives the standard check value and agrees with the native one', () => {
    expect(crc32Js(enc('123456789'))).toBe(0xcbf43926);
    const data = randomBytes(100_003);
    expect(crc32Js(data)).toBe(crc32(data));
    expect(crc32Js(new Uint8Array(0))).toBe(0);
  });
});

describe('checkEntryName', () => {
  it.each(['../x', '/etc/x', 'a\\..\\b', '\\x', 'C:\\x', 'c:x', 'a/../../b', '..', '', 'a\0b'])(
    'refuses %j',
    (name) => expectCode(() => checkEntryName(name), 'unsafe-path'),
  );
  it.each(['manifest.json', 'a/b', '..foo', 'x..'])('accepts %j', (name) => {
    expect(() => checkEntryName(name)).not.toThrow();
  });
});

describe('writeZip / readZipIndex / readZipEntry', () => {
  it('round-trips, storing uncompressed entries in place and deflating the others', () => {
    const zip = sample();
    const index = readZipIndex(zip, limits());
    const b = index.get('b.bin')!;
    const a = index.get('a.json')!;
    expect(b.method).toBe(0);
    expect(a.method).toBe(8);
    // Stored: the entry is a view into the archive, readable in place.
    const bData = readZipEntry(zip, b);
    expect(bData.buffer).toBe(zip.buffer);
    expect(bData).toEqual(randomBytes(3000));
    expect(new TextDecoder().decode(readZipEntry(zip, a))).toContain('"hello":"world"');
  });

  it('writes the same bytes for the same input (timestamps come from the caller)', () => {
    expect(sample()).toEqual(sample());
  });

  it('calls an empty buffer and a cut-off zip truncated', () => {
    const zip = sample();
    expectCode(() => readZipIndex(new Uint8Array(0), limits()), 'truncated', /empty/);
    for (const cut of [2, 100, zip.length - 30, zip.length - 1])
      expectCode(() => readZipIndex(zip.subarray(0, cut), limits()), 'truncated');
  });

  it('calls anything else without an end record not a zip', () => {
    expectCode(() => readZipIndex(randomBytes(5000), limits()), 'bad-zip', /not a zip archive/);
    expectCode(() => readZipIndex(enc('hello'), limits()), 'bad-zip');
  });

  it('refuses unsafe names before unknown ones', () => {
    for (const name of ['../x', '/etc/x', 'a\\..\\b']) {
      const zip = zipSync({ [name]: enc('x') });
      expectCode(() => readZipIndex(zip, limits()), 'unsafe-path', /unsafe entry name/);
    }
    expectCode(() => readZipIndex(zipSync({ 'c.txt': enc('x') }), limits()), 'unknown-entry', /"c.txt"/);
  });

  it('refuses too many entries from the end record alone', () => {
    expectCode(
      () => readZipIndex(sample(), limits({ maxEntries: 1 })),
      'too-large',
      /2 entries, over the limit of 1/,
    );
  });

  it('refuses a declared size over the entry cap before inflating (the data are not even deflate)', () => {
    // a.json's data replaced by garbage would fail to inflate; the size check must come first.
    const zip = sample();
    const rec = centralRecord(zip, 'a.json');
    const bomb = patch32(zip, rec + 24, 0xf0000000);
    expectCode(
      () => readZipIndex(bomb, limits()),
      'too-large',
      /a.json declares 4026531840 bytes, over its limit of 1000/,
    );
  });

  it('refuses a declared size that deflate cannot reach from the compressed size', () => {
    const zip = sample();
    const rec = centralRecord(zip, 'a.json');
    const lie = patch32(zip, rec + 24, 999);
    const small = limits({
      entries: new Map([
        ['a.json', 10_000_000],
        ['b.bin', 1_000_000],
      ]),
    });
    expect(() => readZipIndex(zip, small)).not.toThrow();
    const compressed = readZipIndex(zip, small).get('a.json')!.compressedSize;
    expectCode(
      () => readZipIndex(patch32(lie, rec + 24, compressed * 1032 + 65), small),
      'too-large',
      /from \d+ compressed/,
    );
  });

  it('caps the total declared size', () => {
    expectCode(() => readZipIndex(sample(), limits({ maxTotalBytes: 3000 })), 'too-large', /in total/);
  });

  it('detects corruption by crc', () => {
    const zip = sample();
    const b = readZipIndex(zip, limits()).get('b.bin')!;
    const bad = zip.slice();
    bad[b.dataOffset + 10] ^= 0xff;
    expectCode(() => readZipEntry(bad, readZipIndex(bad, limits()).get('b.bin')!), 'bad-zip', /crc/);
  });

  it('detects a deflated entry that inflates to a different size', () => {
    const zip = sample();
    const rec = centralRecord(zip, 'a.json');
    const short = patch32(zip, rec + 24, 10);
    expectCode(() => readZipEntry(short, readZipIndex(short, limits()).get('a.json')!), 'bad-zip', /crc/);
    const long = patch32(zip, rec + 24, 500);
    expectCode(
      () => readZipEntry(long, readZipIndex(long, limits()).get('a.json')!),
      'bad-zip',
      /inflates to \d+ bytes, not 500/,
    );
  });

  it('refuses encryption, unknown methods, zip64 and overlapping entries', () => {
    const zip = sample();
    const rec = centralRecord(zip, 'b.bin');
    const encrypted = zip.slice();
    encrypted[rec + 8] |= 1;
    expectCode(() => readZipIndex(encrypted, limits()), 'bad-zip', /encrypted/);
    const method = zip.slice();
    method[rec + 10] = 12;
    expectCode(() => readZipIndex(method, limits()), 'bad-zip', /compression method 12/);
    expectCode(() => readZipIndex(patch32(zip, rec + 20, 0xffffffff), limits()), 'bad-zip', /zip64/);
    // a.json is written first; stretch its (stored) sizes over b.bin's local header.
    const stored = writeZip(
      [
        { name: 'a.json', data: enc('{}'), store: true },
        { name: 'b.bin', data: randomBytes(50), store: true },
      ],
      new Date(2024, 0, 2),
    );
    const ra = centralRecord(stored, 'a.json');
    const stretched = patch32(patch32(stored, ra + 20, 40), ra + 24, 40);
    expectCode(() => readZipIndex(stretched, limits()), 'bad-zip', /overlap/);
  });

  it('refuses a duplicate entry', () => {
    const two = zipSync({ 'a.json': enc('1') });
    // Append a second copy of the only record to the central directory by hand.
    const v = new DataView(two.buffer);
    const end = two.length - 22;
    const cdOff = v.getUint32(end + 16, true);
    const cdSize = v.getUint32(end + 12, true);
    const out = new Uint8Array(two.length + cdSize);
    out.set(two.subarray(0, end));
    out.set(two.subarray(cdOff, cdOff + cdSize), end);
    out.set(two.subarray(end), end + cdSize);
    const ov = new DataView(out.buffer);
    ov.setUint16(end + cdSize + 8, 2, true);
    ov.setUint16(end + cdSize + 10, 2, true);
    ov.setUint32(end + cdSize + 12, 2 * cdSize, true);
    expectCode(() => readZipIndex(out, limits()), 'bad-zip', /appears twice/);
  });
});

describe('checkZipSizes', () => {
  it('refuses an entry of 4 GiB or more', () => {
    expectCode(
      () => checkZipSizes([{ name: 'tensors.safetensors', size: ZIP_SIZE_LIMIT, store: true }]),
      'too-large',
      /entry tensors.safetensors is 4.00 GiB; entries must stay below 4 GiB/,
    );
  });

  it('refuses entries that fit one by one but not together', () => {
    expectCode(
      () =>
        checkZipSizes([
          { name: 'a', size: 3 * 2 ** 30, store: true },
          { name: 'b', size: 2 ** 30, store: false },
        ]),
      'too-large',
      /session would be 4.00 GiB; archives must stay below 4 GiB/,
    );
    expectCode(() => checkZipSizes([{ name: 'a', size: ZIP_SIZE_LIMIT - 10, store: true }]), 'too-large');
  });

  it('accepts what fits', () => {
    expect(() =>
      checkZipSizes([
        { name: 'a', size: 3.5 * 2 ** 30, store: true },
        { name: 'b', size: 2 ** 20, store: false },
      ]),
    ).not.toThrow();
  });
});
