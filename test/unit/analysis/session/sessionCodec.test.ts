import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import type { AnalysisBackend } from '../../../../analysis/engine/analysisBackend';
import { SessionFormatError } from '../../../../analysis/session/errors';
import { f16ToF32Array, f32ToF16Array } from '../../../../analysis/session/float16';
import {
  readSafetensors,
  type TensorInput,
  writeSafetensors,
} from '../../../../analysis/session/safetensors';
import { decodeSession, encodeSession, SESSION_LIMITS } from '../../../../analysis/session/sessionCodec';
import { readZipIndex } from '../../../../analysis/session/zipArchive';
import { syntheticRecording } from '../../../helpers/syntheticRecording';

const params = { pView: 0.01, budget: { kind: 'percent', value: 10 }, policies: ['vlCache', 'h2o'] };
const timeline = [
  { t: 0, action: { type: 'setParams', patch: { pView: 0.01 } }, before: { pView: 0.001 } },
  { t: 1250, action: { type: 'annotate', text: 'sink at 0' } },
  {
    t: 3000,
    action: { type: 'evaluatePolicy', policy: 'vlCache' },
    result: { exactMatch: true, meanKl: 0.02 },
  },
];

const encode = (rec = syntheticRecording()) => encodeSession(rec, { params, timeline });

/** Rewrites a session's entries (tensors stored, others deflated, like the writer). */
function rezip(bytes: Uint8Array, edit: (files: Record<string, Uint8Array>) => void): Uint8Array {
  const files = unzipSync(bytes);
  edit(files);
  return zipSync(
    Object.fromEntries(
      Object.entries(files).map(([k, v]) => [k, [v, { level: k.endsWith('.safetensors') ? 0 : 6 }]]),
    ) as Parameters<typeof zipSync>[0],
  );
}

function editManifest(bytes: Uint8Array, edit: (m: Record<string, unknown>) => void): Uint8Array {
  return rezip(bytes, (f) => {
    const m = JSON.parse(strFromU8(f['manifest.json']));
    edit(m);
    f['manifest.json'] = strToU8(JSON.stringify(m));
  });
}

/** Rewrites the tensors as a valid safetensors file (so only the session-level checks can object). */
function editTensors(bytes: Uint8Array, edit: (t: Map<string, TensorInput>) => void): Uint8Array {
  return rezip(bytes, (f) => {
    const file = readSafetensors(f['tensors.safetensors']);
    const tensors = new Map<string, TensorInput>();
    for (const [name, t] of file.tensors)
      tensors.set(name, { dtype: t.dtype, shape: t.shape, data: t.data.slice() });
    edit(tensors);
    f['tensors.safetensors'] = writeSafetensors(tensors, file.metadata);
  });
}

function expectCode(fn: () => unknown, code: string, pattern?: RegExp): SessionFormatError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SessionFormatError);
    expect((e as SessionFormatError).code, (e as Error).message).toBe(code);
    if (pattern) expect((e as Error).message).toMatch(pattern);
    return e as SessionFormatError;
  }
  throw new Error(`expected a SessionFormatError ${code}`);
}

describe('encodeSession / decodeSession round trip', () => {
  it("fit the engine's analysis-backend seam as they are", () => {
    // A compile-time check as much as a runtime one: tsc fails if the signatures drift apart.
    const seam: Pick<AnalysisBackend, 'encodeSession' | 'decodeSession'> = { encodeSession, decodeSession };
    const out = seam.decodeSession(seam.encodeSession(syntheticRecording(), { params: {}, timeline: [] }));
    expect(out.timeline).toEqual([]);
  });

  it('gives back an equal recording, parameters and timeline (f16 queries and keys exactly)', () => {
    const rec = syntheticRecording({ seed: 11 });
    const out = decodeSession(encodeSession(rec, { params, timeline }));
    expect(out.recording).toStrictEqual(rec);
    expect(out.params).toStrictEqual(params);
    expect(out.timeline).toStrictEqual(timeline);
  });

  it('keeps f32 queries and keys as f32', () => {
    const rec = syntheticRecording({ seed: 12, qkDtype: 'f32' });
    const bytes = encode(rec);
    const tensors = readSafetensors(unzipSync(bytes)['tensors.safetensors']).tensors;
    expect(tensors.get('queries.0')!.dtype).toBe('F32');
    expect(decodeSession(bytes).recording).toStrictEqual(rec);
  });

  it('rounds f16 queries and keys that were not yet f16 values to the nearest f16', () => {
    const rec = syntheticRecording({ seed: 13 });
    rec.queries[1][5] = 0.1;
    rec.keys[0][7] = 1 + 2 ** -11 + 2 ** -20;
    const back = decodeSession(encode(rec)).recording;
    expect(back.queries[1][5]).toBe(0.0999755859375);
    expect(back.keys[0][7]).toBe(1 + 2 ** -10);
    expect(back.queries[0]).toEqual(f16ToF32Array(f32ToF16Array(rec.queries[0])));
  });

  it('reads from a Node Buffer and from a view at an odd offset', () => {
    const rec = syntheticRecording({ seed: 14 });
    const bytes = encode(rec);
    expect(decodeSession(Buffer.from(bytes)).recording).toStrictEqual(rec);
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    expect(decodeSession(Buffer.from(shifted.buffer, 3, bytes.length)).recording).toStrictEqual(rec);
    expect(decodeSession(shifted.subarray(3)).recording).toStrictEqual(rec);
  });

  it('is deterministic: the same recording gives the same bytes', () => {
    expect(encode(syntheticRecording({ seed: 4 }))).toEqual(encode(syntheticRecording({ seed: 4 })));
  });

  it('stores the tensors uncompressed and the other entries deflated', () => {
    const bytes = encode();
    const index = readZipIndex(bytes, SESSION_LIMITS);
    expect([...index.keys()]).toEqual(['manifest.json', 'image.png', 'tensors.safetensors', 'timeline.json']);
    expect(index.get('tensors.safetensors')!.method).toBe(0);
    for (const name of ['manifest.json', 'image.png', 'timeline.json'])
      expect(index.get(name)!.method).toBe(8);
  });

  it('writes exactly the tensor table of docs/session-format.md', () => {
    // L=2, H=4, Hkv=2, D=8, m=20, G=3 (n=23), vocab=16, R=min(256, 23)=23.
    const file = readSafetensors(unzipSync(encode())['tensors.safetensors']);
    const table = Object.fromEntries(
      [...file.tensors].map(([k, t]) => [k, `${t.dtype} ${t.shape.join('x')}`]),
    );
    const score = 'F32 2x2x20';
    expect(table).toEqual({
      'queries.0': 'F16 4x23x8',
      'queries.1': 'F16 4x23x8',
      'keys.0': 'F16 2x23x8',
      'keys.1': 'F16 2x23x8',
      logprobs: 'F16 3x16',
      'stats.hist': 'U32 2x4x3x162',
      'stats.score.postVision': score,
      'stats.score.accumulated': score,
      'stats.score.lastQuery': score,
      'stats.keyNorm': score,
      'stats.recallW': score,
      'stats.oracle': score,
      'stats.window.8': score,
      'stats.window.16': score,
      'stats.window.32': score,
      'stats.window.64': score,
      'stats.overview': 'U8 2x4x23x23',
    });
    expect(file.metadata).toEqual({ format: 'vlcache-session/1' });
  });

  it('stores each field under its own name (what a Python reader sees)', () => {
    // A mix-up between two tensors would survive a round trip; read the file without the decoder.
    const rec = syntheticRecording({ seed: 21, qkDtype: 'f32' });
    const file = readSafetensors(unzipSync(encode(rec))['tensors.safetensors']);
    const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const s = rec.stats;
    const expected: Record<string, ArrayBufferView> = {
      'queries.0': rec.queries[0],
      'queries.1': rec.queries[1],
      'keys.0': rec.keys[0],
      'keys.1': rec.keys[1],
      logprobs: rec.logprobs,
      'stats.hist': s.hist,
      'stats.score.postVision': s.postVision,
      'stats.score.accumulated': s.accumulated,
      'stats.score.lastQuery': s.lastQuery,
      'stats.keyNorm': s.keyNorm,
      'stats.recallW': s.recallW,
      'stats.oracle': s.oracle,
      'stats.window.8': s.windowSums[8],
      'stats.window.16': s.windowSums[16],
      'stats.window.32': s.windowSums[32],
      'stats.window.64': s.windowSums[64],
      'stats.overview': s.overview,
    };
    expect([...file.tensors.keys()].sort()).toEqual(Object.keys(expected).sort());
    for (const [name, data] of Object.entries(expected))
      expect(file.tensors.get(name)!.data, name).toEqual(bytesOf(data));
  });

  it('keeps extra window sizes beside the standard ones', () => {
    const rec = syntheticRecording({ windows: [8, 16, 32, 64, 5] });
    const back = decodeSession(encode(rec)).recording;
    expect(Object.keys(back.stats.windowSums).map(Number)).toEqual([5, 8, 16, 32, 64]);
    expect(back.stats.windowSums[5]).toEqual(rec.stats.windowSums[5]);
  });

  it('accepts a manifest with fields a later 1.x writer added, dropping them', () => {
    const bytes = editManifest(encode(), (m) => {
      m.futureField = { x: 1 };
    });
    expect(decodeSession(bytes).recording).toStrictEqual(syntheticRecording());
  });
});

describe('decodeSession refuses bad files with a specific code', () => {
  const good = encode();

  it('truncated', () => {
    expectCode(() => decodeSession(good.subarray(0, Math.floor(good.length / 2))), 'truncated');
    expectCode(() => decodeSession(good.subarray(0, good.length - 3)), 'truncated');
  });

  it('not a zip', () => {
    expectCode(() => decodeSession(syntheticRecording().image.png), 'bad-zip', /not a zip/);
  });

  it('a tensor of the wrong size', () => {
    const bytes = editTensors(good, (t) => {
      t.set('keys.1', { dtype: 'F16', shape: [2, 23, 7], data: new Uint16Array(2 * 23 * 7) });
    });
    expectCode(
      () => decodeSession(bytes),
      'tensor-shape',
      /tensor keys.1: expected F16 \[2, 23, 8\], got F16 \[2, 23, 7\]/,
    );
  });

  it('a tensor of the wrong dtype', () => {
    const bytes = editTensors(good, (t) => {
      const h = t.get('stats.hist')!;
      t.set('stats.hist', { dtype: 'F32', shape: h.shape, data: new Float32Array(h.data.byteLength / 4) });
    });
    expectCode(() => decodeSession(bytes), 'tensor-shape', /stats.hist: expected U32 .* got F32/);
  });

  it('dims that disagree with the tensors', () => {
    const bytes = editManifest(good, (m) => {
      (m.dims as { vocab: number }).vocab = 17;
    });
    expectCode(() => decodeSession(bytes), 'tensor-shape', /tensor logprobs: expected F16 \[3, 17\]/);
  });

  it('a tensor missing', () => {
    const bytes = editTensors(good, (t) => t.delete('stats.recallW'));
    expectCode(() => decodeSession(bytes), 'tensor-missing', /stats.recallW/);
    const noWindow = editTensors(good, (t) => t.delete('stats.window.32'));
    expectCode(() => decodeSession(noWindow), 'tensor-missing', /stats.window.32/);
  });

  it('an unknown tensor', () => {
    for (const name of ['stats.extra', 'stats.window.08', 'queries.2']) {
      const bytes = editTensors(good, (t) =>
        t.set(name, { dtype: 'U8', shape: [1], data: new Uint8Array(1) }),
      );
      expectCode(() => decodeSession(bytes), 'tensor-unknown', new RegExp(name.replace('.', '\\.')));
    }
  });

  it('a broken safetensors container', () => {
    const bytes = rezip(good, (f) => {
      f['tensors.safetensors'] = f['tensors.safetensors'].subarray(0, 100);
    });
    expectCode(
      () => decodeSession(bytes),
      'bad-tensors',
      /tensors.safetensors: header length \d+ runs past the end/,
    );
  });

  it.each(['../x', '/etc/x', 'a\\..\\b'])('an entry named %j', (name) => {
    const bytes = rezip(good, (f) => {
      f[name] = strToU8('x');
    });
    expectCode(() => decodeSession(bytes), 'unsafe-path');
  });

  it('an unknown entry, a missing entry', () => {
    expectCode(() => decodeSession(rezip(good, (f) => (f['notes.txt'] = strToU8('hi')))), 'unknown-entry');
    expectCode(
      () => decodeSession(rezip(good, (f) => delete f['timeline.json'])),
      'missing-entry',
      /timeline.json/,
    );
  });

  it('a newer format version, saying which version this app reads', () => {
    const bytes = editManifest(good, (m) => {
      m.format = 'vlcache-session/2';
      m.somethingNew = true;
    });
    const e = expectCode(
      () => decodeSession(bytes),
      'newer-version',
      /vlcache-session\/2 is newer .*vlcache-session\/1/,
    );
    expect(e.details).toMatchObject({ supported: 'vlcache-session/1' });
  });

  it('NaN statistics', () => {
    const bytes = editTensors(good, (t) => {
      const o = t.get('stats.oracle')!;
      new DataView(o.data.buffer, o.data.byteOffset).setFloat32(4 * 7, Number.NaN, true);
    });
    const e = expectCode(
      () => decodeSession(bytes),
      'non-finite',
      /tensor stats.oracle holds NaN at element 7/,
    );
    expect(e.details).toMatchObject({ tensor: 'stats.oracle', index: 7 });
  });

  it('∞ in a window sum, in queries (f16) and in keys (f32)', () => {
    const inf = editTensors(good, (t) => {
      const w = t.get('stats.window.16')!;
      new DataView(w.data.buffer, w.data.byteOffset).setFloat32(0, Number.NEGATIVE_INFINITY, true);
    });
    expectCode(() => decodeSession(inf), 'non-finite', /stats.window.16 holds -Infinity/);
    const q = editTensors(good, (t) => {
      const w = t.get('queries.1')!;
      new DataView(w.data.buffer, w.data.byteOffset).setUint16(2 * 3, 0x7c00, true);
    });
    expectCode(() => decodeSession(q), 'non-finite', /queries.1 holds Infinity at element 3/);
    const k = editTensors(encode(syntheticRecording({ qkDtype: 'f32' })), (t) => {
      const w = t.get('keys.0')!;
      new DataView(w.data.buffer, w.data.byteOffset).setFloat32(0, Number.NaN, true);
    });
    expectCode(() => decodeSession(k), 'non-finite', /keys.0 holds NaN/);
  });

  it('log-probabilities may be −∞ but not NaN', () => {
    const negInf = editTensors(good, (t) => {
      const w = t.get('logprobs')!;
      new DataView(w.data.buffer, w.data.byteOffset).setUint16(0, 0xfc00, true);
    });
    expect(decodeSession(negInf).recording.logprobs[0]).toBe(0xfc00);
    const nan = editTensors(good, (t) => {
      const w = t.get('logprobs')!;
      new DataView(w.data.buffer, w.data.byteOffset).setUint16(0, 0x7e00, true);
    });
    expectCode(() => decodeSession(nan), 'non-finite', /logprobs holds NaN/);
  });

  it('an image whose hash is not the manifest’s', () => {
    const bytes = rezip(good, (f) => {
      const png = f['image.png'].slice();
      png[png.length - 1] ^= 1;
      f['image.png'] = png;
    });
    expectCode(
      () => decodeSession(bytes),
      'hash-mismatch',
      /image.png has sha256 [0-9a-f]{64}, manifest says/,
    );
  });

  it('a declared-uncompressed-size bomb', () => {
    // Claim manifest.json inflates to 3.75 GiB: refused from the central directory, nothing allocated.
    const v = new DataView(good.buffer.slice(0));
    const bomb = new Uint8Array(v.buffer);
    const end = bomb.length - 22;
    const cd = v.getUint32(end + 16, true);
    expect(new TextDecoder().decode(bomb.subarray(cd + 46, cd + 46 + 13))).toBe('manifest.json');
    v.setUint32(cd + 24, 0xf0000000, true);
    expectCode(() => decodeSession(bomb), 'too-large', /manifest.json declares 4026531840 bytes/);
  });

  it.each([
    [
      'tokens that do not number m + G',
      (m: Record<string, unknown>) => (m.tokens as unknown[]).pop(),
      /22 tokens, expected m \+ G = 23/,
    ],
    [
      'params that are not an object',
      (m: Record<string, unknown>) => (m.params = [1]),
      /params: expected a json object/,
    ],
    [
      'a spec that disagrees with dims',
      (m: Record<string, unknown>) => ((m.spec as { heads: number }).heads = 8),
      /spec \(layers 2, heads 8.*disagrees with dims/,
    ],
    ['a missing field', (m: Record<string, unknown>) => delete m.dims, /dims/],
    [
      'a bad image hash format',
      (m: Record<string, unknown>) => ((m.image as { sha256: string }).sha256 = 'abc'),
      /image.sha256/,
    ],
    ['no format', (m: Record<string, unknown>) => delete m.format, /no format field/],
    [
      'an unknown format',
      (m: Record<string, unknown>) => (m.format = 'other/1'),
      /unknown session format "other\/1"/,
    ],
  ])('a manifest with %s', (_, edit, pattern) => {
    expectCode(() => decodeSession(editManifest(good, edit)), 'schema', pattern);
  });

  it('manifest or timeline json that does not parse or fit', () => {
    expectCode(
      () => decodeSession(rezip(good, (f) => (f['manifest.json'] = strToU8('{nope')))),
      'schema',
      /manifest.json is not valid/,
    );
    const noType = rezip(good, (f) => (f['timeline.json'] = strToU8('[{"t":1,"action":{"kind":"x"}}]')));
    expectCode(() => decodeSession(noType), 'schema', /timeline.json: 0.action.type/);
    const notArray = rezip(good, (f) => (f['timeline.json'] = strToU8('{"t":1}')));
    expectCode(() => decodeSession(notArray), 'schema', /timeline.json/);
  });
});

describe('encodeSession refuses recordings it could not read back', () => {
  it('an image hash that is not its png', () => {
    const rec = syntheticRecording();
    rec.image.sha256 = '0'.repeat(64);
    expectCode(() => encode(rec), 'hash-mismatch');
  });

  it('NaN in keys, and f32 values beyond the f16 range when saving as f16', () => {
    const rec = syntheticRecording();
    rec.keys[1][9] = Number.NaN;
    expectCode(() => encode(rec), 'non-finite', /keys.1 holds NaN at element 9/);
    const big = syntheticRecording();
    big.queries[0][2] = 1e6;
    expectCode(() => encode(big), 'non-finite', /queries.0 holds Infinity at element 2/);
    const stats = syntheticRecording();
    stats.stats.keyNorm[0] = Number.POSITIVE_INFINITY;
    expectCode(() => encode(stats), 'non-finite', /stats.keyNorm/);
  });

  it('arrays of the wrong length or type', () => {
    const rec = syntheticRecording();
    rec.queries[1] = new Float32Array(10);
    expectCode(() => encode(rec), 'tensor-shape', /queries.1: expected 736 elements, got 10/);
    const fewer = syntheticRecording();
    fewer.keys.pop();
    expectCode(() => encode(fewer), 'tensor-shape', /1 keys arrays for L = 2/);
    const typed = syntheticRecording();
    (typed.stats as { hist: unknown }).hist = new Float32Array(typed.stats.hist.length);
    expectCode(() => encode(typed), 'tensor-shape', /stats.hist: expected Uint32Array, got Float32Array/);
  });

  it('a standard window missing, stats that describe another recording', () => {
    const rec = syntheticRecording({ windows: [8, 16, 32] });
    expectCode(() => encode(rec), 'tensor-missing', /stats.window.64/);
    const other = syntheticRecording();
    other.stats.dims.m = 19;
    expectCode(() => encode(other), 'schema', /m 19 != 20/);
  });

  it('a timeline or params that do not fit the schema or json', () => {
    const rec = syntheticRecording();
    expectCode(() => encodeSession(rec, { params, timeline: [{ t: 1 }] }), 'schema', /timeline.json/);
    expectCode(
      () => encodeSession(rec, { params: { n: 1n }, timeline }),
      'schema',
      /cannot be saved as json/,
    );
  });
});

describe('image tiles (anyres layouts)', () => {
  /** A recording whose image tokens after the first four sit in grid tile 1 or 2. */
  function tiled() {
    const rec = syntheticRecording({ seed: 21 });
    const { rows, cols } = rec.model.imageGrid;
    rec.image.tiles = [
      { x: 0, y: 0, w: 1, h: 1, rows, cols },
      { x: 0, y: -0.2, w: 0.5, h: 0.8, rows, cols },
      { x: 0.5, y: -0.2, w: 0.5, h: 0.8, rows, cols },
    ];
    let n = 0;
    for (const t of rec.tokens) {
      if (!t.patch) continue;
      if (n >= 4) t.patch = { ...t.patch, tile: 1 + (n % 2) };
      n++;
    }
    return rec;
  }

  it('stores and loads the tile rectangles', () => {
    const rec = tiled();
    const bytes = encode(rec);
    const man = JSON.parse(strFromU8(unzipSync(bytes)['manifest.json']));
    expect(man.image.tiles).toEqual(rec.image.tiles);
    expect(decodeSession(bytes).recording).toStrictEqual(rec);
  });

  it('leaves them out for a fixed layout (sessions as before)', () => {
    const man = JSON.parse(strFromU8(unzipSync(encode())['manifest.json']));
    expect(Object.keys(man.image)).toEqual(['entry', 'sha256', 'width', 'height']);
    expect('tiles' in decodeSession(encode()).recording.image).toBe(false);
  });

  it('refuses a token whose tile does not exist', () => {
    const bytes = editManifest(encode(tiled()), (m) => {
      (m.image as { tiles: unknown[] }).tiles.pop();
    });
    expectCode(() => decodeSession(bytes), 'schema', /outside the image's tiles/);
  });
});
