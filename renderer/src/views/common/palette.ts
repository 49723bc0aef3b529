/**
 * Colours shared by every view: modalities (Okabe–Ito, as the CSS variables), kept/evicted states,
 * policies (stable per id, so a policy keeps its colour in every chart), and the heatmap colour map.
 */
import { interpolateInferno, rgb, schemeTableau10 } from 'd3';
import { PRESET_IDS } from '../../../../analysis/policies/registry';
import type { Modality } from './tokenSpans';

export const MODALITY_COLOURS: Record<Modality, string> = {
  'text-pre': '#56b4e9',
  image: '#e69f00',
  'text-mid': '#f0e442',
  'text-post': '#009e73',
  generated: '#cc79a7',
};

export const MODALITY_LABELS: Record<Modality, string> = {
  'text-pre': 'text before the image',
  image: 'image',
  'text-mid': 'text between images',
  'text-post': 'text after the image (post-vision rows)',
  generated: 'generated',
};

/** Row sets of ALGORITHMS §2 in the order of `hist`, with their colours. */
export const ROW_SET_COLOURS = ['#0072b2', '#009e73', '#cc79a7'] as const;
export const ROW_SET_LABELS = ['prefill', 'post-vision', 'decode'] as const;

export const KEPT_COLOURS = {
  kept: '#1d1d1f',
  evicted: '#ececef',
  onlyA: '#d55e00',
  onlyB: '#0072b2',
  both: '#1d1d1f',
} as const;

/** A policy's colour: presets by their registry position, compositions after them. */
export function policyColour(id: string, customIds: readonly string[] = []): string {
  const preset = (PRESET_IDS as readonly string[]).indexOf(id);
  const i = preset >= 0 ? preset : PRESET_IDS.length + Math.max(0, customIds.indexOf(id));
  const extra = ['#8c564b', '#17becf', '#bcbd22'];
  return i < schemeTableau10.length ? schemeTableau10[i] : extra[(i - schemeTableau10.length) % extra.length];
}

/** 256-entry RGBA lookup table of the heatmap colour map (index 0 = lowest). */
export function heatmapLut(): Uint8ClampedArray {
  const lut = new Uint8ClampedArray(256 * 4);
  for (let i = 0; i < 256; i++) {
    // Inferno from 0.04: its darkest end stays distinguishable from the light grey of "no data".
    const c = rgb(interpolateInferno(0.04 + (0.96 * i) / 255));
    lut.set([c.r, c.g, c.b, 255], i * 4);
  }
  return lut;
}

export function lutColour(lut: Uint8ClampedArray, t: number): string {
  const i = Math.max(0, Math.min(255, Math.round(t * 255))) * 4;
  return `rgb(${lut[i]},${lut[i + 1]},${lut[i + 2]})`;
}
