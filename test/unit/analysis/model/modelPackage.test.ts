import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { validateManifest } from '../../../../analysis/model/manifest';
import { inspectModelPackage, scanModelPackages } from '../../../../analysis/model/modelPackage';
import { fixtureManifest, writeFixtureModel } from '../../../helpers/fixtureModel';

const dirs: string[] = [];
function tmp() {
  const d = mkdtempSync(join(tmpdir(), 'vlc-model-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('model.json validation', () => {
  it('accepts the fixture package', async () => {
    const info = await inspectModelPackage(writeFixtureModel(join(tmp(), 'ok')), 'user');
    expect(info.errors).toEqual([]);
    expect(info.ok).toBe(true);
    expect(info.name).toBe('fixture-vlm');
    expect(info.bytes).toBeGreaterThan(0);
  });

  it('reports every problem of a broken manifest at once, each with its path', () => {
    const m = fixtureManifest();
    delete m.layers; // missing field
    m.heads = 'four'; // wrong type
    (m.attention as Record<string, unknown>).scale = -1; // out of range
    m.format = 'vlcache-model/9'; // newer format
    const r = validateManifest(m);
    expect(r.ok).toBe(false);
    const errors = r.ok ? [] : r.errors;
    expect(errors.some((e) => e.startsWith('layers:'))).toBe(true);
    expect(errors.some((e) => e.startsWith('heads:'))).toBe(true);
    expect(errors.some((e) => e.startsWith('attention.scale:'))).toBe(true);
    expect(errors.some((e) => e.startsWith('format:') && e.includes('vlcache-model/1'))).toBe(true);
    expect(errors.length).toBeGreaterThanOrEqual(4);
  });

  it('checks cross-field rules: heads a multiple of kvHeads, template placeholders, per-layer windows', () => {
    const m = fixtureManifest();
    m.heads = 5;
    (m.prompt as Record<string, string>).template = 'USER: {prompt}';
    (m.attention as Record<string, unknown>).slidingWindow = [4];
    const r = validateManifest(m);
    const errors = r.ok ? [] : r.errors;
    expect(errors).toContain('heads: heads (5) is not a multiple of kvHeads (2)');
    expect(errors).toContain('prompt.template: must contain <image> exactly once');
    expect(errors).toContain('attention.slidingWindow: has 1 entries, expected one per layer (2)');
  });

  it('reports a missing ONNX file and a hash mismatch together', async () => {
    const dir = writeFixtureModel(join(tmp(), 'broken'));
    unlinkSync(join(dir, 'vision.onnx'));
    writeFileSync(join(dir, 'embed.onnx'), 'not the file the manifest hashed');
    const info = await inspectModelPackage(dir, 'user');
    expect(info.ok).toBe(false);
    expect(info.errors).toContain('vision.onnx: file missing');
    expect(info.errors.some((e) => e.startsWith('embed.onnx: hash mismatch'))).toBe(true);
    expect(info.errors).toHaveLength(2);
  });

  it('checks every hashed file, not only the four graph files (external weights, decoder.noq.onnx)', async () => {
    const dir = writeFixtureModel(join(tmp(), 'extra'), (m) => {
      (m.hashes as Record<string, string>)['decoder.onnx.data'] = `sha256:${'0'.repeat(64)}`;
      (m.hashes as Record<string, string>)['../evil'] = `sha256:${'0'.repeat(64)}`;
    });
    let info = await inspectModelPackage(dir, 'user');
    expect(info.errors).toContain('decoder.onnx.data: file missing');
    expect(info.errors).toContain('hashes: ../evil is not a plain file name inside the package');
    writeFileSync(join(dir, 'decoder.onnx.data'), 'weights');
    info = await inspectModelPackage(dir, 'user');
    expect(info.errors.some((e) => e.startsWith('decoder.onnx.data: hash mismatch'))).toBe(true);
  });

  it('rejects file names that leave the package folder', () => {
    const m = fixtureManifest();
    (m.files as Record<string, string>).decoder = '../decoder.onnx';
    const r = validateManifest(m);
    expect(r.ok ? [] : r.errors).toContain(
      'files.decoder: must be a plain file name inside the package, got ../decoder.onnx',
    );
  });

  it('reports unreadable model.json without throwing', async () => {
    const dir = join(tmp(), 'nojson');
    writeFixtureModel(dir);
    writeFileSync(join(dir, 'model.json'), '{ nope');
    const info = await inspectModelPackage(dir, 'bundled');
    expect(info.ok).toBe(false);
    expect(info.errors[0]).toMatch(/^model\.json: not valid JSON/);
  });

  it('scans bundled and user folders, listing invalid packages next to valid ones', async () => {
    const bundled = tmp();
    const user = tmp();
    writeFixtureModel(join(bundled, 'a'));
    writeFixtureModel(join(user, 'b'), (m) => {
      m.vocabSize = 0;
    });
    const list = await scanModelPackages({ bundled, user });
    expect(list.map((p) => [p.source, p.ok])).toEqual([
      ['bundled', true],
      ['user', false],
    ]);
    expect(list[1].errors.some((e) => e.startsWith('vocabSize:'))).toBe(true);
  });
});
