import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SessionFormatError } from '../../analysis/session/errors';
import { openSessionFile, saveSessionFile } from '../../analysis/session/sessionFile';
import { syntheticRecording } from '../helpers/syntheticRecording';

const extras = { params: { pView: 0.02 }, timeline: [{ t: 5, action: { type: 'annotate', text: 'x' } }] };

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vlcs-'));
});
afterEach(async () => {
  await chmod(dir, 0o700).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

async function expectCode(p: Promise<unknown>, code: string, pattern?: RegExp): Promise<SessionFormatError> {
  const e = await p.then(
    () => {
      throw new Error(`expected a SessionFormatError ${code}`);
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(SessionFormatError);
  expect((e as SessionFormatError).code, (e as Error).message).toBe(code);
  if (pattern) expect((e as Error).message).toMatch(pattern);
  return e as SessionFormatError;
}

describe('saveSessionFile / openSessionFile', () => {
  it('saves and reopens a session without the model', async () => {
    const rec = syntheticRecording({ seed: 31 });
    const path = join(dir, 'run.vlcs');
    const { bytes } = await saveSessionFile(path, rec, extras);
    expect((await readFile(path)).length).toBe(bytes);
    const out = await openSessionFile(path);
    expect(out.recording).toStrictEqual(rec);
    expect(out.params).toStrictEqual(extras.params);
    expect(out.timeline).toStrictEqual(extras.timeline);
    expect(await readdir(dir)).toEqual(['run.vlcs']);
  });

  it('replaces an existing session completely', async () => {
    const path = join(dir, 'run.vlcs');
    await saveSessionFile(path, syntheticRecording({ seed: 1 }), extras);
    const second = syntheticRecording({ seed: 2, G: 5 });
    await saveSessionFile(path, second, extras);
    expect((await openSessionFile(path)).recording).toStrictEqual(second);
    expect(await readdir(dir)).toEqual(['run.vlcs']);
  });

  it('leaves the old file intact and no temporary file when the save fails at the last moment', async () => {
    const path = join(dir, 'run.vlcs');
    await saveSessionFile(path, syntheticRecording({ seed: 1 }), extras);
    const before = await readFile(path);
    let sawTemp = '';
    const e = await expectCode(
      saveSessionFile(path, syntheticRecording({ seed: 2 }), extras, {
        beforeRename: async (temp) => {
          // The new session is fully on disk beside the target at this point.
          sawTemp = temp;
          expect((await readdir(dir)).sort()).toEqual([temp.slice(dir.length + 1), 'run.vlcs'].sort());
          throw new Error('disk full (simulated)');
        },
      }),
      'write-failed',
      /cannot save .*run.vlcs: disk full \(simulated\)/,
    );
    expect(sawTemp).toMatch(/\.run\.vlcs\.\d+\.[0-9a-f]{12}\.tmp$/);
    expect(e.details).toMatchObject({ path });
    expect(await readFile(path)).toEqual(before);
    expect(await readdir(dir)).toEqual(['run.vlcs']);
  });

  it('leaves what is at the target alone when the rename cannot happen', async () => {
    const path = join(dir, 'taken.vlcs');
    await mkdir(path);
    await writeFile(join(path, 'inside'), 'keep');
    await expectCode(saveSessionFile(path, syntheticRecording(), extras), 'write-failed');
    expect(await readFile(join(path, 'inside'), 'utf8')).toBe('keep');
    expect(await readdir(dir)).toEqual(['taken.vlcs']);
  });

  it('fails cleanly when the folder does not exist', async () => {
    await expectCode(
      saveSessionFile(join(dir, 'nope', 'run.vlcs'), syntheticRecording(), extras),
      'write-failed',
      /ENOENT/,
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it.skipIf(process.getuid?.() === 0)('fails cleanly in a read-only folder (not as root)', async () => {
    const path = join(dir, 'run.vlcs');
    await saveSessionFile(path, syntheticRecording({ seed: 1 }), extras);
    const before = await readFile(path);
    await chmod(dir, 0o500);
    await expectCode(saveSessionFile(path, syntheticRecording({ seed: 2 }), extras), 'write-failed');
    await chmod(dir, 0o700);
    expect(await readFile(path)).toEqual(before);
    expect(await readdir(dir)).toEqual(['run.vlcs']);
  });

  it('touches nothing on disk when the recording itself is refused', async () => {
    const path = join(dir, 'run.vlcs');
    await saveSessionFile(path, syntheticRecording({ seed: 1 }), extras);
    const before = await readFile(path);
    const bad = syntheticRecording({ seed: 2 });
    bad.stats.oracle[3] = Number.NaN;
    await expectCode(saveSessionFile(path, bad, extras), 'non-finite');
    expect(await readFile(path)).toEqual(before);
    expect(await readdir(dir)).toEqual(['run.vlcs']);
  });

  it('reports unreadable and truncated files', async () => {
    await expectCode(openSessionFile(join(dir, 'missing.vlcs')), 'unreadable', /ENOENT/);
    await expectCode(openSessionFile(dir), 'unreadable');
    const path = join(dir, 'run.vlcs');
    await saveSessionFile(path, syntheticRecording(), extras);
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, bytes.length - 100));
    await expectCode(openSessionFile(path), 'truncated');
  });
});
