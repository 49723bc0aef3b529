/**
 * The Engine: the in-process implementation of `EngineApi`. The CLI calls it directly; browser mode
 * and the Electron engine process put it behind `dispatch`.
 */
import { createRequire } from 'node:module';
import { appVersion } from './appRoot';
import type { EngineApi, EngineResult, ModelInfo } from './api';
import { type ModelPackageInfo, scanModelPackages } from '../model/modelPackage';
import { listProviders } from '../model/providers';

const require = createRequire(import.meta.url);

function modelInfo(p: ModelPackageInfo): ModelInfo {
  const m = p.manifest;
  const layout = m?.image.layout;
  return {
    dir: p.dir,
    source: p.source,
    ok: p.ok,
    name: p.name,
    errors: p.errors,
    bytes: p.bytes,
    summary:
      m && layout
        ? {
            family: m.family,
            layers: m.layers,
            heads: m.heads,
            kvHeads: m.kvHeads,
            hidden: m.hidden,
            imageTokens: layout.rows * layout.cols,
          }
        : undefined,
  };
}

export interface EngineOptions {
  /** Override where models are looked for (tests). */
  modelRoots?: { bundled: string; user: string };
}

export class Engine implements EngineApi {
  constructor(private readonly options: EngineOptions = {}) {}

  async version(): Promise<EngineResult<'version'>> {
    const ortVersion = (require('onnxruntime-node/package.json') as { version: string }).version;
    return {
      app: appVersion(),
      node: process.versions.node,
      onnxruntime: ortVersion,
      platform: `${process.platform}-${process.arch}`,
    };
  }

  async listProviders(): Promise<EngineResult<'listProviders'>> {
    return listProviders();
  }

  async listModels(): Promise<EngineResult<'listModels'>> {
    return (await scanModelPackages(this.options.modelRoots)).map(modelInfo);
  }
}
