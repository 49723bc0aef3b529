/**
 * CRC-32 (ISO-HDLC, the zip and PNG checksum: reflected polynomial 0xEDB88320, initial and final
 * XOR 0xFFFFFFFF), to verify every zip entry on read — fflate computes it when writing but neither
 * exports it nor checks it when reading. Node's native `zlib.crc32` (Node ≥ 20.15) is several
 * times faster and is used when present; `crc32Js` (slicing by four: four table lookups per 32-bit
 * word) serves older Node 20 releases.
 */
import * as zlib from 'node:zlib';

const TABLES = (() => {
  const t = new Uint32Array(4 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  // t[k·256 + n] is the CRC of byte n followed by k zero bytes.
  for (let n = 0; n < 256; n++)
    for (let k = 1; k < 4; k++) {
      const prev = t[(k - 1) * 256 + n];
      t[k * 256 + n] = (t[prev & 0xff] ^ (prev >>> 8)) >>> 0;
    }
  return t;
})();

export function crc32Js(data: Uint8Array): number {
  const t = TABLES;
  let c = 0xffffffff;
  let i = 0;
  const n4 = data.length & ~3;
  for (; i < n4; i += 4) {
    c ^= data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    c = t[768 + (c & 0xff)] ^ t[512 + ((c >>> 8) & 0xff)] ^ t[256 + ((c >>> 16) & 0xff)] ^ t[c >>> 24];
  }
  for (; i < data.length; i++) c = t[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const native = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

export function crc32(data: Uint8Array): number {
  return native ? native(data) >>> 0 : crc32Js(data);
}
