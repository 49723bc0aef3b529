/**
 * The look of every exported figure, in the app and on the command line: a light print theme sized
 * for a two-column paper (one column ≈ 3.5 in = 336 px at 96 dpi; the side-by-side figure spans
 * both), DejaVu Sans (bundled with resvg on the command line, so PNGs are identical everywhere), and
 * colour-blind-safe colours: Okabe–Ito for categories, viridis for the heatmap. Series also differ
 * by dash and marker, so a figure reads in greyscale too.
 */
import { interpolateViridis, rgb } from 'd3';

export const FONT_FAMILY = "'DejaVu Sans', 'Inter', Arial, sans-serif";

export const TYPE = {
  tick: 8,
  label: 9,
  legend: 8,
  caption: 9,
} as const;

export const SIZE = {
  column: { width: 336, height: 216 },
  square: { width: 336, height: 300 },
  wide: { width: 696, height: 250 },
} as const;

export const INK = {
  text: '#1a1a1a',
  axis: '#333333',
  grid: '#e3e3e3',
  background: '#ffffff',
  boundary: '#1a1a1a',
  muted: '#6b6b6b',
} as const;

/** Okabe–Ito (Wong, Nature Methods 8:441, 2011), black last. */
export const OKABE_ITO = [
  '#0072b2',
  '#e69f00',
  '#009e73',
  '#cc79a7',
  '#56b4e9',
  '#d55e00',
  '#f0e442',
  '#000000',
] as const;

export const DASHES = ['', '4 2', '1.5 1.5', '6 2 1.5 2', '3 3', '8 3'] as const;
export const MARKERS = ['circle', 'square', 'triangle', 'diamond', 'cross', 'circle-open'] as const;
export type Marker = (typeof MARKERS)[number];

/** The i-th series' colour, dash and marker. */
export function seriesStyle(i: number): { colour: string; dash: string; marker: Marker } {
  return {
    colour: OKABE_ITO[i % OKABE_ITO.length],
    dash: DASHES[i % DASHES.length],
    marker: MARKERS[i % MARKERS.length],
  };
}

/** 256-entry RGBA table of viridis; invisible entries are drawn transparent. */
export function viridisLut(): Uint8Array {
  const lut = new Uint8Array(256 * 4);
  for (let i = 0; i < 256; i++) {
    const c = rgb(interpolateViridis(i / 255));
    lut.set([c.r, c.g, c.b, 255], i * 4);
  }
  return lut;
}

/** A number as SVG text: at most 2 decimals, no trailing zeros, so markup is stable. */
export const num = (x: number) => String(Math.round(x * 100) / 100);
