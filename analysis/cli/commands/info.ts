/**
 * `vlcache version`, `vlcache providers`, `vlcache models`: what the engine sees on this machine.
 */
import { imageTokensText } from '../../engine/imageTokensText';
import { parseArgs } from 'node:util';
import { Engine } from '../../engine/engine';

function jsonFlag(argv: string[]): boolean {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' } }, strict: true });
  return values.json === true;
}

export async function versionCommand(argv: string[]): Promise<number> {
  const v = await new Engine().version();
  process.stdout.write(
    jsonFlag(argv)
      ? `${JSON.stringify(v)}\n`
      : `vlcache ${v.app} (node ${v.node}, onnxruntime ${v.onnxruntime}, ${v.platform})\n`,
  );
  return 0;
}

export async function providersCommand(argv: string[]): Promise<number> {
  const list = await new Engine().listProviders();
  if (jsonFlag(argv)) process.stdout.write(`${JSON.stringify(list)}\n`);
  else
    for (const p of list)
      process.stdout.write(`${p.id.padEnd(7)} ${p.available ? 'available' : `unavailable: ${p.reason}`}\n`);
  return 0;
}

export async function modelsCommand(argv: string[]): Promise<number> {
  const list = await new Engine().listModels();
  if (jsonFlag(argv)) {
    process.stdout.write(`${JSON.stringify(list)}\n`);
    return 0;
  }
  if (list.length === 0) process.stdout.write('no model packages found\n');
  for (const m of list) {
    const s = m.summary;
    const what = s
      ? `${s.family}, ${s.layers} layers, ${s.heads}/${s.kvHeads} heads, ${imageTokensText(s)}`
      : '';
    process.stdout.write(`${m.ok ? 'ok     ' : 'INVALID'} ${m.name} (${m.source}) ${what}\n  ${m.dir}\n`);
    for (const e of m.errors) process.stdout.write(`  - ${e}\n`);
  }
  return 0;
}
