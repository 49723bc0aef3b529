/** Number formatting shared by the views (read-outs, axes, tooltips). */

/** A fraction as a percentage with enough digits to tell close values apart. */
export function pct(x: number, digits = 1): string {
  if (!Number.isFinite(x)) return '–';
  return `${(100 * x).toFixed(digits)} %`;
}

/** A percentage given in percent, trimmed ("10 %", "2.5 %", "0.01 %"). */
export function percentLabel(p: number): string {
  if (!Number.isFinite(p)) return '–';
  const s =
    p >= 10 ? p.toFixed(p % 1 === 0 ? 0 : 1) : p >= 1 ? p.toFixed(p % 1 === 0 ? 0 : 2) : p.toPrecision(2);
  return `${Number(s)} %`;
}

/** A probability for read-outs: fixed for large values, scientific below 10⁻³. */
export function prob(a: number): string {
  if (!Number.isFinite(a)) return 'not visible';
  if (a === 0) return '0';
  return a >= 1e-3 ? a.toFixed(4) : a.toExponential(2);
}

export function bytes(b: number): string {
  if (b < 1024) return `${b} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = b / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v >= 100 ? 0 : 1)} ${units[u]}`;
}

/** How a token's text reads in a label: visible whitespace, bounded length. */
export function tokenLabel(text: string, max = 16): string {
  const t = text.replace(/\n/g, '⏎').replace(/\t/g, '⇥').replace(/^ /, '·').replace(/^▁/, '·');
  return t.length > max ? `${t.slice(0, max - 1)}…` : t || '∅';
}
