/**
 * `.vlcs` session files in memory (DESIGN.md §6, docs/session-format.md): a Recording plus the
 * analysis parameters and replay timeline, to and from the bytes of a zip holding `manifest.json`,
 * `image.png`, `tensors.safetensors` (stored, so it can be read in place) and `timeline.json`.
 *
 * Reading trusts nothing: the zip's declared sizes, names and count are checked before anything is
 * inflated; the manifest is version-gated and schema-checked; every tensor is checked against the
 * manifest's dims before its data are used; NaN/∞ and a wrong image hash are refused. Writing runs
 * the same checks on the recording, so a file this app writes is one it can read.
 */
import { createHash } from 'node:crypto';
import type { Stats } from '../attention/stats';
import { overviewSize } from '../attention/overviewMap';
import type { Recording } from '../record/recording';
import { SafetensorsError, SessionFormatError } from './errors';
import {
  IMAGE_ENTRY,
  parseManifest,
  parseTimeline,
  SESSION_FORMAT,
  type SessionManifest,
  type TimelineEntry,
} from './manifest';
import { planSafetensors, readSafetensors, writeSafetensors } from './safetensors';
import { decodeTensors, recordingTensors } from './sessionTensors';
import { checkZipSizes, readZipEntry, readZipIndex, writeZip, ZIP_SIZE_LIMIT } from './zipArchive';

export const MANIFEST_ENTRY = 'manifest.json';
export const TENSORS_ENTRY = 'tensors.safetensors';
export const TIMELINE_ENTRY = 'timeline.json';

const MiB = 2 ** 20;

/**
 * What a reader accepts. Each entry's declared uncompressed size is capped before it is inflated;
 * the tensors entry can use all a zip without ZIP64 allows. The total cap is a second line behind
 * the per-entry ones.
 */
export const SESSION_LIMITS = {
  entries: new Map<string, number>([
    [MANIFEST_ENTRY, 256 * MiB],
    [IMAGE_ENTRY, 512 * MiB],
    [TENSORS_ENTRY, ZIP_SIZE_LIMIT - 1],
    [TIMELINE_ENTRY, 256 * MiB],
  ]),
  maxEntries: 16,
  maxTotalBytes: 8 * 2 ** 30,
} as const;

export interface SessionExtrasInput {
  /** The analysis parameters in force (any JSON object). */
  params: Record<string, unknown>;
  /** The replay timeline (entries are validated as TimelineEntry). */
  timeline: readonly Record<string, unknown>[];
}

export interface DecodedSession {
  recording: Recording;
  params: Record<string, unknown>;
  timeline: TimelineEntry[];
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A JSON round trip, so what is validated is exactly what will be written. */
function asJson(what: string, value: unknown): { text: string; value: unknown } {
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch (e) {
    throw new SessionFormatError('schema', `${what} cannot be saved as json: ${(e as Error).message}`, {
      entry: what,
    });
  }
  return { text, value: JSON.parse(text) };
}

/** Entry timestamps from createdAt, so encoding the same recording twice gives the same bytes. */
function entryTime(createdAt: string): Date {
  const d = new Date(Date.parse(createdAt));
  // Zip (DOS) timestamps cover 1980–2099 local time.
  const y = d.getFullYear();
  return Number.isFinite(d.getTime()) && y >= 1980 && y <= 2099 ? d : new Date(1980, 0, 1);
}

function checkStatsMatch(rec: Recording): void {
  const s = rec.stats;
  const keys = ['L', 'H', 'Hkv', 'D', 'm', 'G'] as const;
  const bad = keys.filter((k) => s.dims[k] !== rec.dims[k]);
  if (bad.length > 0)
    throw new SessionFormatError(
      'schema',
      `stats dims disagree with the recording's: ${bad.map((k) => `${k} ${s.dims[k]} != ${rec.dims[k]}`).join(', ')}`,
      { stats: s.dims, dims: rec.dims },
    );
  if (s.postVisionStart !== rec.postVisionStart)
    throw new SessionFormatError(
      'schema',
      `stats postVisionStart ${s.postVisionStart} != recording's ${rec.postVisionStart}`,
    );
  const R = overviewSize(rec.dims.m + rec.dims.G);
  if (s.overviewSize !== R)
    throw new SessionFormatError('schema', `stats overviewSize ${s.overviewSize}, expected ${R}`);
}

/** The bytes of a `.vlcs` file for a recording. Throws SessionFormatError for anything unreadable. */
export function encodeSession(rec: Recording, extras: SessionExtrasInput): Uint8Array {
  const actual = sha256(rec.image.png);
  if (actual !== rec.image.sha256)
    throw new SessionFormatError(
      'hash-mismatch',
      `image sha256 ${rec.image.sha256} is not that of its png (${actual})`,
      {
        expected: rec.image.sha256,
        actual,
      },
    );
  checkStatsMatch(rec);
  const manifest: SessionManifest = {
    format: SESSION_FORMAT,
    appVersion: rec.appVersion,
    createdAt: rec.createdAt,
    model: rec.model,
    prompt: rec.prompt,
    image: {
      entry: IMAGE_ENTRY,
      sha256: actual,
      width: rec.image.width,
      height: rec.image.height,
      ...(rec.image.tiles ? { tiles: rec.image.tiles } : {}),
    },
    tokens: rec.tokens,
    generation: rec.generation,
    provider: rec.provider,
    timings: rec.timings,
    qkDtype: rec.qkDtype,
    spec: rec.spec,
    postVisionStart: rec.postVisionStart,
    dims: rec.dims,
    params: extras.params,
    overviewSize: rec.stats.overviewSize,
  };
  const manifestJson = asJson(MANIFEST_ENTRY, manifest);
  parseManifest(manifestJson.value);
  const timelineJson = asJson(TIMELINE_ENTRY, extras.timeline);
  parseTimeline(timelineJson.value);

  let plan: ReturnType<typeof planSafetensors>;
  try {
    plan = planSafetensors(recordingTensors(rec, manifest.overviewSize), { format: SESSION_FORMAT });
  } catch (e) {
    if (e instanceof SafetensorsError) throw new SessionFormatError('tensor-shape', e.message, e.details);
    throw e;
  }
  const enc = new TextEncoder();
  const manifestBytes = enc.encode(manifestJson.text);
  const timelineBytes = enc.encode(timelineJson.text);
  // Checked before the tensors are copied into one buffer: a session that cannot be a zip without
  // ZIP64 is refused without allocating it.
  const entries = [
    { name: MANIFEST_ENTRY, size: manifestBytes.length, store: false },
    { name: IMAGE_ENTRY, size: rec.image.png.length, store: false },
    { name: TENSORS_ENTRY, size: plan.size, store: true },
    { name: TIMELINE_ENTRY, size: timelineBytes.length, store: false },
  ];
  checkZipSizes(entries);
  const data: Record<string, Uint8Array> = {
    [MANIFEST_ENTRY]: manifestBytes,
    [IMAGE_ENTRY]: rec.image.png,
    [TENSORS_ENTRY]: writeSafetensors(plan),
    [TIMELINE_ENTRY]: timelineBytes,
  };
  return writeZip(
    entries.map((e) => ({ name: e.name, store: e.store, data: data[e.name] })),
    entryTime(rec.createdAt),
  );
}

function readJson(bytes: Uint8Array, entry: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new SessionFormatError('schema', `${entry} is not valid utf-8 json: ${(e as Error).message}`, {
      entry,
    });
  }
}

/** A Recording, its parameters and timeline from the bytes of a `.vlcs` file. */
export function decodeSession(input: Uint8Array): DecodedSession {
  // A plain Uint8Array view over the same memory: a Node Buffer's `slice` and `subarray` differ from
  // Uint8Array's, and entries are views into these bytes.
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const index = readZipIndex(bytes, SESSION_LIMITS);
  for (const name of SESSION_LIMITS.entries.keys())
    if (!index.has(name))
      throw new SessionFormatError('missing-entry', `session has no ${name}`, { entry: name });
  const entry = (name: string) => readZipEntry(bytes, index.get(name)!);

  const man = parseManifest(readJson(entry(MANIFEST_ENTRY), MANIFEST_ENTRY));
  const timeline = parseTimeline(readJson(entry(TIMELINE_ENTRY), TIMELINE_ENTRY));

  // A stored entry is a view into `bytes`; the recording gets its own copy.
  const png = Uint8Array.from(entry(IMAGE_ENTRY));
  const actual = sha256(png);
  if (actual !== man.image.sha256)
    throw new SessionFormatError(
      'hash-mismatch',
      `image.png has sha256 ${actual}, manifest says ${man.image.sha256}`,
      {
        expected: man.image.sha256,
        actual,
      },
    );

  let file: ReturnType<typeof readSafetensors>;
  try {
    file = readSafetensors(entry(TENSORS_ENTRY));
  } catch (e) {
    if (e instanceof SafetensorsError)
      throw new SessionFormatError('bad-tensors', `${TENSORS_ENTRY}: ${e.message}`, e.details);
    throw e;
  }
  const t = decodeTensors(file, man);
  const { L, H, Hkv, D, m, G } = man.dims;
  const spec = () => ({ ...man.spec, slidingWindow: [...man.spec.slidingWindow] });
  const stats: Stats = {
    dims: { L, H, Hkv, D, m, G },
    spec: spec(),
    postVisionStart: man.postVisionStart,
    hist: t.hist,
    ...t.scores,
    windowSums: t.windowSums,
    overviewSize: man.overviewSize,
    overview: t.overview,
  };
  const recording: Recording = {
    appVersion: man.appVersion,
    createdAt: man.createdAt,
    model: man.model,
    prompt: man.prompt,
    image: {
      png,
      sha256: actual,
      width: man.image.width,
      height: man.image.height,
      ...(man.image.tiles ? { tiles: man.image.tiles } : {}),
    },
    tokens: man.tokens,
    generation: man.generation,
    provider: man.provider,
    timings: man.timings,
    dims: man.dims,
    spec: spec(),
    postVisionStart: man.postVisionStart,
    qkDtype: man.qkDtype,
    queries: t.queries,
    keys: t.keys,
    logprobs: t.logprobs,
    stats,
  };
  return { recording, params: man.params, timeline };
}
