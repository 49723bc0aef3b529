/**
 * `vlcache figures FILE.vlcs --out DIR [--format svg,png] [--policy a,b|all] [--budget 10%|N]
 * [--threshold P] [--layer N] [--head H|mean] [--scale 1|2|4]`: the paper figures of a session
 * without a window. The figures are the app's own React components rendered to static SVG
 * (renderer/src/figures), PNGs are rasterised by resvg with the DejaVu fonts, and each figure's
 * numbers are written beside it as CSV and JSON. Options not given come from the params saved in
 * the session, then from the app's defaults.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Resvg } from '@resvg/resvg-js';
import { addWindowSums } from '../../attention/addWindowSums';
import { getTile } from '../../attention/getTile';
import { snapThreshold } from '../../attention/snapThreshold';
import { PRESET_IDS } from '../../policies/registry';
import type { Recording } from '../../record/recording';
import { parseBudget, recordingLayers } from '../../record/recordingAnalysis';
import { openSessionFile } from '../../session/sessionFile';
import {
  buildFigureSet,
  FIGURE_IDS,
  type FigureOptions,
  type FigureSource,
} from '../../../renderer/src/figures/figureData';
import {
  EVAL_FIGURE_IDS,
  evalFigureCsv,
  evalFigureData,
  evalFigureJson,
  evalFigureSvg,
} from '../../../renderer/src/figures/EvalFigures';
import { figureCsv, figureJson, figureSvg } from '../../../renderer/src/figures/renderFigure';
import { RESULTS_FORMAT, type ResultsSummary } from '../../eval/results';
import { DEFAULT_PARAMS, sanitizeParams } from '../../../renderer/src/stores/paramsSlice';
import { UsageError } from '../args';

const USAGE =
  'usage: vlcache figures FILE.vlcs --out DIR [--format svg,png] [--policy NAME,…|all] [--budget 10%|N] [--threshold P] [--layer N] [--head H|mean] [--scale 1|2|4]\n       vlcache figures --eval RESULTS.json --out DIR [--format svg,png] [--scale 1|2|4]';

/** Fonts resvg may use: DejaVu only, so a PNG is the same on every machine that has them. */
export const FONT_DIR = '/usr/share/fonts/truetype/dejavu';
export const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => join(FONT_DIR, f));

/** PNG bytes of an SVG at `scale` × its size. */
export function svgToPng(svg: string, scale: number): Uint8Array {
  const r = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    font: { fontFiles: FONT_FILES, loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' },
    imageRendering: 1, // optimizeSpeed: heatmap cells stay crisp when scaled
    background: 'white',
  });
  return r.render().asPng();
}

/** The figures' view of a recording: tiles and window sums from its own queries and keys. */
export function recordingSource(r: Recording): FigureSource {
  const layers = recordingLayers(r);
  const n = r.dims.m + r.dims.G;
  return {
    stats: r.stats,
    kvDtype: r.model.kvDtype,
    tokens: r.tokens,
    image: { png: r.image.png, width: r.image.width, height: r.image.height },
    imageGrid: { rows: r.model.imageGrid.rows, cols: r.model.imageGrid.cols },
    tile: async (layer, head) => getTile(r.spec, layers(layer), layer, head, [0, n], [0, n]),
    windowSums: async (w) => addWindowSums(r.stats, layers, w),
  };
}

function intOption(v: string | undefined, name: string, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n >= max)
    throw new UsageError(`--${name} must be an integer in [0, ${max - 1}], got ${v}`);
  return n;
}

export async function figuresCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      format: { type: 'string', default: 'svg,png' },
      policy: { type: 'string' },
      budget: { type: 'string' },
      threshold: { type: 'string' },
      layer: { type: 'string' },
      head: { type: 'string' },
      scale: { type: 'string', default: '2' },
      eval: { type: 'string' },
    },
    strict: true,
  });
  if (!values.out || positionals.length !== (values.eval ? 0 : 1)) throw new UsageError(USAGE);
  const formats = values.format!.split(',').map((f) => f.trim());
  for (const f of formats)
    if (f !== 'svg' && f !== 'png') throw new UsageError(`unknown format ${f} (known: svg, png)`);
  const scale = Number(values.scale);
  if (![1, 2, 4].includes(scale)) throw new UsageError(`--scale must be 1, 2 or 4, got ${values.scale}`);
  if (values.eval) return evalFigures(values.eval, values.out, formats, scale);

  const { recording: r, params: saved } = await openSessionFile(positionals[0]);
  const p = { ...DEFAULT_PARAMS, ...sanitizeParams(saved) };
  const { L, H } = r.dims;
  let edge = p.viewEdge;
  if (values.threshold !== undefined) {
    const t = Number(values.threshold);
    if (!Number.isFinite(t) || t <= 0 || t > 1)
      throw new UsageError(`--threshold must be in (0, 1], got ${values.threshold}`);
    edge = snapThreshold(t).edgeIndex;
  }
  let policies: string[] = p.policies.filter((id) => (PRESET_IDS as readonly string[]).includes(id));
  if (values.policy === 'all') policies = [...PRESET_IDS];
  else if (values.policy) {
    policies = values.policy.split(',').map((s) => s.trim());
    for (const id of policies)
      if (!(PRESET_IDS as readonly string[]).includes(id))
        throw new UsageError(`unknown policy ${id} (known: ${PRESET_IDS.join(', ')})`);
  }
  const head =
    values.head === undefined
      ? p.head !== 'mean' && p.head >= H
        ? 'mean'
        : p.head
      : values.head === 'mean'
        ? 'mean'
        : intOption(values.head, 'head', H)!;
  const options: FigureOptions = {
    layer: intOption(values.layer, 'layer', L) ?? Math.min(p.layer, L - 1),
    head,
    policies,
    budget: values.budget ? parseBudget(values.budget) : p.budget,
    edge,
    windowFraction: p.windowFraction,
    nSink: p.nSink,
    granularity: p.granularity,
  };

  const set = await buildFigureSet(recordingSource(r), options);
  await mkdir(values.out, { recursive: true });
  const written: string[] = [];
  const write = async (name: string, data: string | Uint8Array) => {
    await writeFile(join(values.out!, name), data);
    written.push(name);
  };
  for (const id of FIGURE_IDS) {
    const svg = figureSvg(id, set[id]);
    if (formats.includes('svg')) await write(`${id}.svg`, svg);
    if (formats.includes('png')) await write(`${id}.png`, svgToPng(svg, scale));
    await write(`${id}.csv`, figureCsv(id, set[id]));
    await write(`${id}.json`, figureJson(id, set[id]));
  }
  process.stdout.write(
    `layer ${options.layer}, head ${options.head}, policies ${policies.join(', ')}\n${written.map((w) => `wrote ${join(values.out!, w)}`).join('\n')}\n`,
  );
  return 0;
}

/** `--eval`: accuracy against budget (overall and per task) from a results or summary file. */
async function evalFigures(file: string, out: string, formats: string[], scale: number): Promise<number> {
  let doc: { format?: unknown; summary?: ResultsSummary };
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read ${file} as JSON: ${(e as Error).message}`);
  }
  if (doc?.format !== RESULTS_FORMAT || !Array.isArray(doc.summary?.cells))
    throw new UsageError(`${file} is not a ${RESULTS_FORMAT} results file (no format or summary.cells)`);
  const data = evalFigureData(doc.summary);
  if (!data.policies.length) throw new UsageError(`${file} has no policy besides full`);
  await mkdir(out, { recursive: true });
  const written: string[] = [];
  const write = async (name: string, bytes: string | Uint8Array) => {
    await writeFile(join(out, name), bytes);
    written.push(name);
  };
  for (const id of EVAL_FIGURE_IDS) {
    const svg = evalFigureSvg(id, data);
    if (formats.includes('svg')) await write(`${id}.svg`, svg);
    if (formats.includes('png')) await write(`${id}.png`, svgToPng(svg, scale));
    await write(`${id}.csv`, evalFigureCsv(id, data));
    await write(`${id}.json`, evalFigureJson(id, data));
  }
  process.stdout.write(
    `policies ${data.policies.join(', ')}; budgets ${data.budgetsPercent.join(', ')} %\n${written.map((w) => `wrote ${join(out, w)}`).join('\n')}\n`,
  );
  return 0;
}
