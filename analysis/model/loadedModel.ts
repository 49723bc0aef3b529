/**
 * A model package loaded for running: manifest checked, files hashed, ONNX sessions created on an
 * execution provider and their I/O checked against the contract. ORT does not fall back between
 * providers by itself, so each candidate provider is tried in order and the one that ran is kept.
 */
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ModelPackageError } from '../engine/errors';
import type { ModelManifest } from './manifest';
import { checkGraphIo, contractIo } from './modelIo';
import { inspectModelPackage } from './modelPackage';
import { type ProviderChoice, type ProviderId, providerCandidates } from './providers';
import { ModelTokenizer } from './tokenizer';

export interface ModelSessions {
  vision: ort.InferenceSession;
  embed: ort.InferenceSession;
  decoder: ort.InferenceSession;
}

export class ProviderUnavailableError extends ModelPackageError {}

export interface LoadedModel {
  dir: string;
  manifest: ModelManifest;
  tokenizer: ModelTokenizer;
  sessions: ModelSessions;
  provider: ProviderId;
  /** Providers tried before the one that ran, with the reason each failed. */
  fallbacks: { provider: ProviderId; reason: string }[];
  release(): Promise<void>;
}

/**
 * Thread counts for every session this thread creates from now on (module state is per worker
 * thread). An eval sweep runs one model per worker thread; left at onnxruntime's default (a pool of
 * one thread per core in every session) N workers would run N² spinning threads on N cores.
 */
let threadOptions: Pick<ort.InferenceSession.SessionOptions, 'intraOpNumThreads' | 'interOpNumThreads'> = {};

export function setSessionThreads(intraOp: number): void {
  threadOptions = { intraOpNumThreads: intraOp, interOpNumThreads: 1 };
}

async function createSessions(dir: string, m: ModelManifest, provider: ProviderId): Promise<ModelSessions> {
  const opts: ort.InferenceSession.SessionOptions = {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    ...threadOptions,
  };
  const created: ort.InferenceSession[] = [];
  try {
    for (const f of [m.files.vision, m.files.embed, m.files.decoder])
      created.push(await ort.InferenceSession.create(join(dir, f), opts));
  } catch (e) {
    await Promise.all(created.map((s) => s.release()));
    throw e;
  }
  const [vision, embed, decoder] = created;
  return { vision, embed, decoder };
}

export function ioMismatches(m: ModelManifest, s: ModelSessions): string[] {
  const c = contractIo(m);
  return [
    ...checkGraphIo(m.files.vision, c.vision, s.vision.inputMetadata, s.vision.outputMetadata),
    ...checkGraphIo(m.files.embed, c.embed, s.embed.inputMetadata, s.embed.outputMetadata),
    ...checkGraphIo(m.files.decoder, c.decoder, s.decoder.inputMetadata, s.decoder.outputMetadata),
  ];
}

export async function loadModel(dir: string, choice: ProviderChoice = 'auto'): Promise<LoadedModel> {
  const info = await inspectModelPackage(dir, 'user');
  if (!info.ok || !info.manifest) throw new ModelPackageError(dir, info.errors);
  const manifest = info.manifest;
  const tokenizer = await ModelTokenizer.load(join(dir, manifest.files.tokenizer), manifest.tokens.unk);
  const fallbacks: { provider: ProviderId; reason: string }[] = [];
  for (const provider of await providerCandidates(choice)) {
    let sessions: ModelSessions;
    try {
      sessions = await createSessions(dir, manifest, provider);
    } catch (e) {
      fallbacks.push({ provider, reason: (e as Error).message.split('\n')[0] });
      continue;
    }
    const mismatches = ioMismatches(manifest, sessions);
    if (mismatches.length) {
      await Promise.all(Object.values(sessions).map((s) => s.release()));
      throw new ModelPackageError(dir, mismatches);
    }
    return {
      dir,
      manifest,
      tokenizer,
      sessions,
      provider,
      fallbacks,
      release: async () => {
        await Promise.all(Object.values(sessions).map((s) => s.release()));
      },
    };
  }
  throw new ProviderUnavailableError(
    dir,
    fallbacks.map((f) => `${f.provider}: ${f.reason}`),
  );
}
