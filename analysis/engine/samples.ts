/**
 * The demo images shipped in assets/samples, with their suggested questions
 * (`samples.json`: `[{ "image": file, "questions": [...] }]`). Only names listed there can be read.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { assetsDir } from '../model/modelPackage';
import { BadInputError } from './errors';

const samplesSchema = z.array(
  z.object({ image: z.string().regex(/^[\w.-]+\.(png|jpe?g|webp)$/), questions: z.array(z.string()) }),
);
export type Sample = z.infer<typeof samplesSchema>[number];

export async function listSamples(): Promise<Sample[]> {
  try {
    return samplesSchema.parse(
      JSON.parse(await readFile(join(assetsDir(), 'samples', 'samples.json'), 'utf8')),
    );
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

export async function readSample(name: string): Promise<Uint8Array> {
  const known = (await listSamples()).some((s) => s.image === name);
  if (!known) throw new BadInputError(`unknown sample image: ${name}`);
  return new Uint8Array(await readFile(join(assetsDir(), 'samples', name)));
}
