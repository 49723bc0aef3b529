// Bundles the CLI, the eval worker and the benchmarks into .devcarry/js/ for a machine without Node's
// dev tree (tools/device/README.md). Run through tools/device/pack.sh.
//
// Native packages stay outside the bundle. They are loaded with a CommonJS `require` made from the
// bundle's own URL rather than with an ESM `import`, because ESM resolution ignores NODE_PATH and on
// the device those packages live outside the repo (NODE_PATH=/tmp/vl/node_modules).
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '..', '..');
// VLC_BUNDLE_OUTDIR: elsewhere (the test bundles into an ignored folder of the repo).
const outdir = process.env.VLC_BUNDLE_OUTDIR
  ? resolve(process.env.VLC_BUNDLE_OUTDIR)
  : join(root, '.devcarry', 'js');

/** Packages that must stay external (native code, or loaded by a native package). */
export const EXTERNAL = ['onnxruntime-node', 'onnxruntime-common', 'sharp', '@resvg/resvg-js'];
const externalRe = new RegExp(
  `^(${EXTERNAL.map((p) => p.replace(/[/.]/g, '\\$&')).join('|')}|@img/[^/]+)(/.*)?$`,
);

const REQUIRE = '__vlcRequire';

/**
 * External packages the device may lack (pack.sh leaves them out unless --with-resvg): the CLI loads
 * figures.ts, and with it @resvg/resvg-js, at start-up; without the package every command but
 * `figures --format png` still works, and that one says why it cannot.
 */
const OPTIONAL = new Map([['@resvg/resvg-js', ['Resvg']]]);
/** A module whose named exports (classes or functions) throw, when it is used, why it is missing. */
const optionalStub = (name) => `
let m;
try { m = ${REQUIRE}(${JSON.stringify(name)}); } catch (e) {
  const missing = () => { throw new Error(${JSON.stringify(`${name} is not installed here (pack with tools/device/pack.sh --with-resvg): `)} + e.message.split('\\n')[0]); };
  m = {};
  for (const k of ${JSON.stringify(OPTIONAL.get(name))}) m[k] = class { constructor() { missing(); } };
}
module.exports = m;`;

const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/**
 * `import … from 'sharp'` becomes a CommonJS wrapper around `__vlcRequire('sharp')`. Bundled CommonJS
 * packages (ws, protobufjs, …) that `require('events')` get the same wrapper: an ESM bundle has no
 * `require` of its own for esbuild's shim to call.
 */
const requireExternals = {
  name: 'require-externals',
  setup(b) {
    b.onResolve({ filter: /^[a-z_:/]+$/ }, (a) =>
      a.kind === 'require-call' && a.namespace !== 'vlc-external' && builtins.has(a.path)
        ? { path: a.path, namespace: 'vlc-external' }
        : undefined,
    );
    b.onResolve({ filter: externalRe }, (a) =>
      a.namespace === 'vlc-external'
        ? { path: a.path, external: true }
        : { path: a.path, namespace: 'vlc-external' },
    );
    b.onLoad({ filter: /.*/, namespace: 'vlc-external' }, (a) => ({
      contents: OPTIONAL.has(a.path)
        ? optionalStub(a.path)
        : `module.exports = ${REQUIRE}(${JSON.stringify(a.path)});`,
      loader: 'js',
    }));
  },
};

const entryPoints = {
  vlcache: 'analysis/cli/main.ts',
  // sweep.ts starts workers from new URL('./evalWorkerEntry.mjs', import.meta.url): the bundled
  // sweep sits in this folder too, so it finds this file.
  evalWorkerEntry: 'analysis/eval/evalWorker.ts',
  'bench-stats': 'bench/stats.ts',
  'bench-record': 'bench/record.ts',
  'bench-eval': 'bench/eval.ts',
  'bench-decode': 'bench/decode.ts',
};

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: Object.fromEntries(Object.entries(entryPoints).map(([k, v]) => [k, join(root, v)])),
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  chunkNames: 'chunk-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [requireExternals],
  banner: {
    js: `import { createRequire as __vlcCreateRequire } from 'node:module'; const ${REQUIRE} = __vlcCreateRequire(import.meta.url);`,
  },
  metafile: true,
});

// Anything native that slipped into the bundle would fail only on the device: refuse it here.
const bad = Object.keys(result.metafile.inputs).filter((f) => /\.(node|wasm)$/.test(f));
if (bad.length) {
  console.error(`bundle contains native files: ${bad.join(', ')}`);
  process.exit(1);
}
let total = 0;
for (const f of readdirSync(outdir)) total += statSync(join(outdir, f)).size;
console.log(`${outdir}: ${readdirSync(outdir).length} files, ${(total / 2 ** 20).toFixed(2)} MiB`);
