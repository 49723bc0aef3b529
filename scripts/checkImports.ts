/**
 * The layering check (DESIGN.md §2, STYLE rule 1), run by `npm test`; it fails the build.
 *
 * 1. Imports: nothing under analysis/attention or analysis/policies — nor anything they import,
 *    followed transitively — imports `node:*`, a Node built-in or Electron; likewise for renderer/.
 *    The pure folders also may not reach the Node-side analysis folders (model, engine, …).
 * 2. Globals: in analysis/attention and analysis/policies, no identifier may resolve to a declaration
 *    that exists only in lib.dom.d.ts or @types/node (as VS Code's layersChecker does), apart from a
 *    short list of universal globals.
 */
import { builtinModules } from 'node:module';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

// The tree being checked; tests point it at a scratch tree with planted violations.
let root = resolve(import.meta.dirname, '..');
const PURE = ['analysis/attention', 'analysis/policies'];
const RENDERER = ['renderer'];
const NODE_SIDE = [
  'analysis/model',
  'analysis/record',
  'analysis/session',
  'analysis/eval',
  'analysis/engine/engine.ts',
  'analysis/cli',
  'analysis/server',
];
const UNIVERSAL = new Set([
  'console',
  'TextEncoder',
  'TextDecoder',
  'URL',
  'queueMicrotask',
  'structuredClone',
  'performance',
  'setTimeout',
  'clearTimeout',
]);
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return walk(p);
    return /\.(ts|tsx)$/.test(name) && !name.endsWith('.d.ts') ? [p] : [];
  });
}

function specifiers(file: string): string[] {
  const src = ts.createSourceFile(file, ts.sys.readFile(file) ?? '', ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (n: ts.Node) => {
    if (
      (ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) &&
      n.moduleSpecifier &&
      ts.isStringLiteral(n.moduleSpecifier)
    ) {
      // Type-only imports are erased at build time and cannot pull runtime code in.
      const typeOnly = ts.isImportDeclaration(n) ? n.importClause?.isTypeOnly === true : n.isTypeOnly;
      if (!typeOnly) out.push(n.moduleSpecifier.text);
    } else if (ts.isCallExpression(n) && n.arguments.length === 1 && ts.isStringLiteral(n.arguments[0])) {
      const callee = n.expression;
      if (
        callee.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(callee) && callee.text === 'require')
      )
        out.push(n.arguments[0].text);
    }
    ts.forEachChild(n, visit);
  };
  visit(src);
  return out;
}

function resolveRelative(from: string, spec: string): string | null {
  const base = resolve(dirname(from), spec);
  for (const c of [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts'), join(base, 'index.tsx')]) {
    if (existsSync(c) && statSync(c).isFile()) return c;
  }
  return null;
}

const rel = (p: string) => relative(root, p);
const inAny = (p: string, dirs: string[]) => dirs.some((d) => rel(p) === d || rel(p).startsWith(`${d}/`));

function checkImports(entries: string[], banNodeSide: boolean): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string[]>(); // file -> chain that reached it
  const queue: string[] = [];
  for (const f of entries) {
    seen.set(f, [rel(f)]);
    queue.push(f);
  }
  while (queue.length) {
    const file = queue.shift()!;
    const chain = seen.get(file)!;
    for (const spec of specifiers(file)) {
      const via = chain.length > 1 ? ` (via ${chain.join(' -> ')})` : '';
      if (builtins.has(spec) || spec.startsWith('node:'))
        problems.push(`${chain[0]}: imports Node built-in "${spec}"${via}`);
      else if (spec === 'electron' || spec.startsWith('electron/'))
        problems.push(`${chain[0]}: imports Electron${via}`);
      else if (spec.startsWith('.')) {
        const target = resolveRelative(file, spec);
        if (!target) continue;
        if (banNodeSide && inAny(target, NODE_SIDE))
          problems.push(`${chain[0]}: imports Node-side module ${rel(target)}${via}`);
        if (!seen.has(target)) {
          seen.set(target, [...chain, rel(target)]);
          queue.push(target);
        }
      }
    }
  }
  return problems;
}

function checkGlobals(files: string[]): string[] {
  if (files.length === 0) return [];
  const config = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile).config;
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, root);
  const program = ts.createProgram(files, { ...parsed.options, noEmit: true });
  const checker = program.getTypeChecker();
  const problems = new Set<string>();
  const foreign = (f: string) =>
    /lib\.dom(\.iterable)?\.d\.ts$|lib\.webworker|[\\/]@types[\\/]node[\\/]/.test(f);
  for (const file of files) {
    const sf = program.getSourceFile(file);
    if (!sf) continue;
    const visit = (n: ts.Node) => {
      // Members (x.encode) are judged by their object: a universal global's members are fine, and a
      // DOM or Node object is already flagged where it is named.
      const isMember =
        n.parent !== undefined && ts.isPropertyAccessExpression(n.parent) && n.parent.name === n;
      if (ts.isIdentifier(n) && !UNIVERSAL.has(n.text) && !isMember) {
        const sym = checker.getSymbolAtLocation(n);
        const decls = sym?.declarations ?? [];
        if (decls.length > 0 && decls.every((d) => foreign(d.getSourceFile().fileName))) {
          const { line } = sf.getLineAndCharacterOfPosition(n.getStart());
          problems.add(`${rel(file)}:${line + 1}: uses "${n.text}", which only exists in the DOM or Node`);
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return [...problems];
}

export function runLayerCheck(tree = resolve(import.meta.dirname, '..')): string[] {
  root = tree;
  const pure = PURE.flatMap((d) => walk(join(root, d)));
  const renderer = RENDERER.flatMap((d) => walk(join(root, d)));
  return [...checkImports(pure, true), ...checkImports(renderer, true), ...checkGlobals(pure)];
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const problems = runLayerCheck();
  if (problems.length) {
    console.error(`layering check failed (${problems.length}):\n${problems.map((p) => `  ${p}`).join('\n')}`);
    process.exit(1);
  }
  console.log('layering check: ok');
}
