/**
 * `vlcache record --image IMG --prompt TEXT [--model DIR] [--provider P] [--max-new-tokens N] --out F.vlcs`:
 * one recorded run saved as a session, with a progress bar on a terminal.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { BadInputError } from '../../engine/errors';
import { saveSessionFile } from '../../session/sessionFile';
import { UsageError } from '../args';
import { chooseModelDir, cliEngine } from '../cliEngine';
import { progressLine } from '../progressBar';

const PROVIDERS = ['auto', 'cpu', 'webgpu', 'cuda'] as const;

export async function recordCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      image: { type: 'string' },
      prompt: { type: 'string' },
      model: { type: 'string' },
      provider: { type: 'string', default: 'auto' },
      'max-new-tokens': { type: 'string', default: '32' },
      out: { type: 'string' },
    },
    strict: true,
  });
  if (!values.image) throw new UsageError('--image is required');
  if (values.prompt === undefined) throw new UsageError('--prompt is required');
  if (!values.out) throw new UsageError('--out FILE.vlcs is required');
  if (!values.out.endsWith('.vlcs')) throw new UsageError(`--out must end in .vlcs, got ${values.out}`);
  const provider = values.provider as (typeof PROVIDERS)[number];
  if (!PROVIDERS.includes(provider))
    throw new UsageError(`--provider must be one of ${PROVIDERS.join(', ')}`);
  const maxNew = Number(values['max-new-tokens']);
  if (!Number.isInteger(maxNew) || maxNew < 1)
    throw new UsageError(`--max-new-tokens must be a positive integer, got ${values['max-new-tokens']}`);

  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(values.image));
  } catch (e) {
    throw new BadInputError(`cannot read image ${values.image}: ${(e as Error).message}`);
  }
  const modelDir = await chooseModelDir(values.model);
  const bar = progressLine();
  const engine = cliEngine((event, payload) => {
    if (event !== 'runProgress') return;
    const p = payload as { stage: string; fraction: number; step?: number; total?: number };
    bar.update(p.stage === 'decode' ? `decode ${p.step}/${p.total}` : p.stage, p.fraction);
  });
  engine.allowModelDir(modelDir);
  const runId = randomUUID();
  const cancel = () => void engine.cancelRun({ runId });
  process.once('SIGINT', cancel);
  try {
    const info = await engine.run({
      runId,
      modelDir,
      provider,
      image: { bytes },
      prompt: values.prompt,
      maxNewTokens: maxNew,
    });
    bar.done();
    await saveSessionFile(values.out, engine.entry(info.recordingId).recording, { params: {}, timeline: [] });
    const t = info.timings;
    const ms = (k: string) => `${(t[k] ?? 0).toFixed(0)} ms`;
    process.stdout.write(
      `answer: ${info.generation.text}\n` +
        `tokens: ${info.dims.m} prompt + ${info.dims.G} generated (${info.generation.stoppedBy})\n` +
        `provider: ${info.provider}\n` +
        `timings: preprocess ${ms('preprocess')}, vision ${ms('vision')}, prefill ${ms('prefill')}, decode ${ms('decode')}, statistics ${ms('statistics')}\n` +
        (info.unknownWords.length
          ? `words the model does not know (read as <unk>): ${info.unknownWords.join(', ')}\n`
          : '') +
        `saved ${values.out}\n`,
    );
    return 0;
  } catch (e) {
    bar.done();
    throw e;
  } finally {
    process.removeListener('SIGINT', cancel);
  }
}
