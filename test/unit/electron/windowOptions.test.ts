import { describe, expect, it } from 'vitest';
import { appCsp } from '../../../electron/main/csp';
import { menuTemplate } from '../../../electron/main/menu';
import { mainWindowOptions } from '../../../electron/main/windowOptions';
import { browserCsp } from '../../../analysis/server/csp';

describe('main window options', () => {
  it('isolates and sandboxes the renderer', () => {
    const o = mainWindowOptions('/app/preload.cjs');
    expect(o.webPreferences).toMatchObject({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('fits a 1440×900 laptop screen', () => {
    const o = mainWindowOptions('p');
    expect(o.width).toBeLessThanOrEqual(1440);
    expect(o.height).toBeLessThanOrEqual(900);
  });
});

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .map(([k, ...v]) => [k, v]),
  );
}

describe.each([
  ['app', appCsp()],
  ['browser mode', browserCsp()],
])('%s CSP', (_name, csp) => {
  const d = directives(csp);
  it('allows scripts only from the app itself, never inline or eval', () => {
    expect(d.get('script-src')).toEqual(["'self'"]);
    expect(csp).not.toContain('unsafe-eval');
    expect(d.get('default-src')).toEqual(["'self'"]);
  });
  it('names no remote origin', () => {
    expect(csp).not.toMatch(/https?:/);
    for (const v of d.get('connect-src') ?? [])
      expect(v === "'self'" || /^ws:\/\/(127\.0\.0\.1|localhost):\*$/.test(v)).toBe(true);
  });
  it('forbids plugins, framing and base/form redirection', () => {
    expect(d.get('object-src')).toEqual(["'none'"]);
    expect(d.get('frame-ancestors')).toEqual(["'none'"]);
    expect(d.get('base-uri')).toEqual(["'none'"]);
    expect(d.get('form-action')).toEqual(["'none'"]);
  });
});

describe('app menu', () => {
  it('sends File and Edit commands to the page', () => {
    const sent: string[] = [];
    const t = menuTemplate((c) => sent.push(c), false);
    const file = t.find((m) => m.label === 'File')!.submenu as { label?: string; click?: () => void }[];
    for (const item of file) item.click?.();
    expect(sent).toEqual(['openImage', 'openSession', 'saveSession', 'saveSessionAs']);
    const edit = t.find((m) => m.label === 'Edit')!.submenu as { label?: string; click?: () => void }[];
    edit.find((i) => i.label === 'Undo')!.click!();
    expect(sent.at(-1)).toBe('undo');
  });
});
