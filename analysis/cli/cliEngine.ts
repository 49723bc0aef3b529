/**
 * The Engine as the command line uses it (in-process), and the model a command runs when the user
 * names none: the first valid package found (bundled models first).
 */
import { analysisBackend } from '../engine/analysisBackendDefault';
import { Engine } from '../engine/engine';
import { scanModelPackages } from '../model/modelPackage';
import { resolve } from 'node:path';
import { UsageError } from './args';

export function cliEngine(emit?: (event: string, payload: unknown) => void): Engine {
  return new Engine({ analysis: analysisBackend(), emit });
}

export async function chooseModelDir(given: string | undefined): Promise<string> {
  if (given) return resolve(given);
  const models = await scanModelPackages();
  const ok = models.find((m) => m.ok);
  if (!ok) throw new UsageError('no valid model package found (see vlcache models); pass --model DIR');
  return ok.dir;
}
