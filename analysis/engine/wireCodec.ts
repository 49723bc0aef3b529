/**
 * Typed arrays over JSON transports (browser mode's WebSocket): a typed array becomes
 * `{ "$typed": "f32", "b64": "…" }` and back. Electron IPC needs none of this (structured clone
 * carries typed arrays). Pure: runs in Node and in the renderer.
 */

const KINDS = {
  f32: Float32Array,
  f64: Float64Array,
  u8: Uint8Array,
  u16: Uint16Array,
  u32: Uint32Array,
  i32: Int32Array,
} as const;
type Kind = keyof typeof KINDS;
type AnyTyped = InstanceType<(typeof KINDS)[Kind]>;

function kindOf(v: unknown): Kind | null {
  for (const [k, C] of Object.entries(KINDS)) if (v instanceof C) return k as Kind;
  return null;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Uint8Array(128);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;

export function bytesToBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  // A multiple of 3, so every chunk but the last encodes whole 3-byte groups.
  const CHUNK = 3 * 0x2800;
  for (let c = 0; c < bytes.length; c += CHUNK) {
    let s = '';
    const end = Math.min(bytes.length, c + CHUNK);
    let i = c;
    for (; i + 2 < end; i += 3) {
      const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
      s += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63];
    }
    if (end === bytes.length) {
      const rest = end - i;
      if (rest === 1) {
        const n = bytes[i] << 16;
        s += `${B64[n >> 18]}${B64[(n >> 12) & 63]}==`;
      } else if (rest === 2) {
        const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
        s += `${B64[n >> 18]}${B64[(n >> 12) & 63]}${B64[(n >> 6) & 63]}=`;
      }
    } else if (i < end) {
      // Chunks are multiples of 3 except the last, so this cannot happen; kept as a guard.
      throw new Error('base64 chunking error');
    }
    parts.push(s);
  }
  return parts.join('');
}

export function base64ToBytes(b64: string): Uint8Array {
  const clean = b64.replace(/=+$/, '');
  if (/[^A-Za-z0-9+/]/.test(clean)) throw new Error('invalid base64');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let o = 0;
  for (let i = 0; i < clean.length; i += 4) {
    const a = B64_INDEX[clean.charCodeAt(i)];
    const b = B64_INDEX[clean.charCodeAt(i + 1)];
    const c = i + 2 < clean.length ? B64_INDEX[clean.charCodeAt(i + 2)] : 0;
    const d = i + 3 < clean.length ? B64_INDEX[clean.charCodeAt(i + 3)] : 0;
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    if (o < out.length) out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

/** Replaces typed arrays (at any depth) by tagged base64 objects. */
export function encodeTyped(value: unknown): unknown {
  const k = kindOf(value);
  if (k) {
    const t = value as AnyTyped;
    return { $typed: k, b64: bytesToBase64(new Uint8Array(t.buffer, t.byteOffset, t.byteLength)) };
  }
  if (Array.isArray(value)) return value.map(encodeTyped);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[key] = encodeTyped(v);
    return out;
  }
  return value;
}

/** Inverse of encodeTyped. */
export function decodeTyped(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeTyped);
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.$typed === 'string' && typeof o.b64 === 'string' && Object.keys(o).length === 2) {
      const C = KINDS[o.$typed as Kind];
      if (!C) throw new Error(`unknown typed array kind ${o.$typed}`);
      const bytes = base64ToBytes(o.b64);
      if (bytes.length % C.BYTES_PER_ELEMENT)
        throw new Error(`typed array of ${bytes.length} bytes is not a whole number of ${o.$typed}`);
      const aligned = new Uint8Array(bytes.length);
      aligned.set(bytes);
      return new C(aligned.buffer);
    }
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(o)) out[key] = decodeTyped(v);
    return out;
  }
  return value;
}
