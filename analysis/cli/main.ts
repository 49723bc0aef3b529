/**
 * `vlcache` entry point: dispatches to a command, maps errors to exit codes (0 ok, 1 bad input with a
 * one-line reason, 2 internal error).
 */
import { exitCodeFor, EXIT_BAD_INPUT, UsageError } from './args';
import { modelsCommand, providersCommand, versionCommand } from './commands/info';
import { serveCommand } from './commands/serve';
import { analyzeCommand } from './commands/analyze';
import { evaluateCommand } from './commands/evaluate';
import { evalCommand } from './commands/eval';
import { recordCommand } from './commands/record';
import { figuresCommand } from './commands/figures';

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, { run: Command; help: string }> = {
  record: {
    run: recordCommand,
    help: 'record --image IMG --prompt TEXT [--model DIR] [--provider auto|cpu|webgpu|cuda] [--max-new-tokens N] --out FILE.vlcs',
  },
  analyze: {
    run: analyzeCommand,
    help: 'analyze FILE.vlcs [--policy NAME|all] [--budget 10%|N] [--threshold P] [--json]',
  },
  evaluate: {
    run: evaluateCommand,
    help: 'evaluate FILE.vlcs --policy NAME --budget B [--model DIR] [--mode compact|keyBias]',
  },
  eval: {
    run: evalCommand,
    help: 'eval [--model DIR] [--set DIR] [--policies all|a,b] [--budgets 1,5,10,…] [--limit N] [--workers N] --out results.json [--csv FILE]',
  },
  figures: {
    run: figuresCommand,
    help: 'figures FILE.vlcs --out DIR [--format svg,png] [--policy NAME,…|all] [--budget B] [--threshold P] [--layer N] [--head H] [--scale 1|2|4]',
  },
  serve: {
    run: serveCommand,
    help: 'serve [--port N]          browser mode on 127.0.0.1 with a per-launch token',
  },
  version: { run: versionCommand, help: 'version [--json]          versions of the app and runtime' },
  providers: {
    run: providersCommand,
    help: 'providers [--json]        which execution providers work here, and why not',
  },
  models: {
    run: modelsCommand,
    help: 'models [--json]           model packages found, with every problem of invalid ones',
  },
};

function usage(): string {
  return `usage: vlcache <command> [options]\n\ncommands:\n${Object.values(COMMANDS)
    .map((c) => `  ${c.help}`)
    .join('\n')}\n`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : EXIT_BAD_INPUT;
  }
  const cmd = COMMANDS[name];
  try {
    if (!cmd) throw new UsageError(`unknown command: ${name} (try vlcache --help)`);
    return await cmd.run(rest);
  } catch (e) {
    const code =
      e instanceof TypeError && (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
        ? EXIT_BAD_INPUT
        : exitCodeFor(e);
    process.stderr.write(`vlcache: ${(e as Error).message}\n`);
    if (code !== EXIT_BAD_INPUT && process.env.VLCACHE_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    return code;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
