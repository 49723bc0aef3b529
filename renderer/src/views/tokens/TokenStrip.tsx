import { useMemo, useRef, useState } from 'react';
import { useSize } from '../../components/useSize';
import { actions, useStudio } from '../../stores/store';
import { tokenLabel } from '../common/format';
import { MODALITY_COLOURS, MODALITY_LABELS } from '../common/palette';
import { modalityAt } from '../common/tokenSpans';
import { useTokenLayout } from '../common/useTokenLayout';
import { BOX_HEIGHT, stripHit, stripLayout } from './layout';

/**
 * Every token of the recording coloured by modality, with the boundaries marked; the image tokens
 * collapse into one block or expand into their patch grid. Hover names the token; a click selects
 * its query row in every view.
 */
export function TokenStrip() {
  const recording = useStudio((s) => s.recording);
  const queryToken = useStudio((s) => s.params.queryToken);
  const t = useTokenLayout();
  const [expanded, setExpanded] = useState(false);
  const [hover, setHover] = useState<number | null>(null);
  const ref = useRef<HTMLDivElement>(null);
  const size = useSize(ref);
  const layout = useMemo(
    () =>
      recording && t && size.width > 0
        ? stripLayout(recording.tokens, t, recording.model.imageGrid, size.width - 4, expanded)
        : null,
    [recording, t, size.width, expanded],
  );
  if (!recording || !t) return null;
  const info = hover ?? queryToken;
  const tokenInfo = (pos: number) => {
    const tok = recording.tokens[pos];
    const mod = modalityAt(t, pos) ?? 'generated';
    const patch = tok?.patch ? ` · patch row ${tok.patch.row}, col ${tok.patch.col}` : '';
    return `#${pos} · id ${tok?.id ?? '?'} · '${tokenLabel(tok?.text ?? '', 40)}' · ${MODALITY_LABELS[mod]}${patch}`;
  };
  const select = (pos: number | null) => {
    if (pos !== null) actions.dispatch({ type: 'setParams', patch: { queryToken: pos } });
  };
  return (
    <div className="token-strip">
      <div className="view-toolbar">
        <button type="button" data-testid="expand-image" onClick={() => setExpanded((e) => !e)}>
          {expanded
            ? 'collapse image tokens'
            : `expand ${t.imageEnd - t.imageStart} image tokens into the patch grid`}
        </button>
        <span className="legend-inline">
          {(['text-pre', 'image', 'text-post', 'generated'] as const).map((m) => (
            <span key={m}>
              <i style={{ background: MODALITY_COLOURS[m] }} /> {m}
            </span>
          ))}
        </span>
        <span className="readout" data-testid="token-readout">
          {info !== null
            ? `${hover === null ? 'selected ' : ''}${tokenInfo(info)}`
            : 'click a token to select its query row'}
        </span>
      </div>
      <div className="strip-body" ref={ref}>
        {layout && (
          <svg
            width={size.width}
            height={layout.height}
            data-testid="token-strip"
            onMouseLeave={() => setHover(null)}
            onMouseMove={(e) => {
              const r = e.currentTarget.getBoundingClientRect();
              setHover(stripHit(layout, e.clientX - r.left, e.clientY - r.top));
            }}
          >
            {layout.markers.map((mk) => (
              <rect
                key={`m${mk.pos}`}
                x={mk.x + 1}
                y={mk.y - 1}
                width={2}
                height={BOX_HEIGHT + 2}
                fill="#1d1d1f"
              >
                <title>modality boundary before #{mk.pos}</title>
              </rect>
            ))}
            {layout.items.map((it) => {
              if (it.kind === 'token') {
                const selected = it.pos === queryToken;
                return (
                  <g
                    key={it.pos}
                    transform={`translate(${it.x},${it.y})`}
                    className={`tok${selected ? ' selected' : ''}`}
                    data-pos={it.pos}
                    data-testid={`token-${it.pos}`}
                    role="button"
                    tabIndex={-1}
                    onClick={() => select(it.pos)}
                    onKeyDown={() => {}}
                  >
                    <title>{tokenInfo(it.pos)}</title>
                    <rect
                      width={it.w}
                      height={BOX_HEIGHT}
                      rx={3}
                      fill={MODALITY_COLOURS[it.modality]}
                      fillOpacity={0.28}
                      stroke={selected ? '#00b5d8' : MODALITY_COLOURS[it.modality]}
                      strokeWidth={selected ? 2 : 1}
                    />
                    <text x={3} y={12} fontSize={11} fontFamily="DejaVu Sans Mono, monospace">
                      {it.label}
                    </text>
                  </g>
                );
              }
              if (it.kind === 'imageBlock') {
                const selected = queryToken !== null && queryToken >= it.start && queryToken < it.end;
                return (
                  <g
                    key="img"
                    transform={`translate(${it.x},${it.y})`}
                    role="button"
                    tabIndex={-1}
                    className="tok"
                    onClick={() => setExpanded(true)}
                    onKeyDown={() => {}}
                  >
                    <title>
                      Image tokens #{it.start}–#{it.end - 1}; click to expand into the patch grid
                    </title>
                    <rect
                      width={it.w}
                      height={BOX_HEIGHT}
                      rx={3}
                      fill={MODALITY_COLOURS.image}
                      fillOpacity={0.35}
                      stroke={selected ? '#00b5d8' : MODALITY_COLOURS.image}
                      strokeWidth={selected ? 2 : 1}
                    />
                    <text x={3} y={12} fontSize={11} fontFamily="DejaVu Sans Mono, monospace">
                      {it.label}
                    </text>
                  </g>
                );
              }
              return (
                <g key="grid" transform={`translate(${it.x},${it.y})`} data-testid="patch-grid">
                  {Array.from(it.cells, (pos, i) =>
                    pos < 0 ? null : (
                      <rect
                        key={pos}
                        x={(i % it.cols) * it.cell}
                        y={Math.floor(i / it.cols) * it.cell}
                        width={it.cell - 1}
                        height={it.cell - 1}
                        fill={MODALITY_COLOURS.image}
                        fillOpacity={pos === queryToken ? 1 : 0.45}
                        stroke={pos === queryToken ? '#00b5d8' : 'none'}
                        data-pos={pos}
                        role="button"
                        tabIndex={-1}
                        onClick={() => select(pos)}
                        onKeyDown={() => {}}
                      />
                    ),
                  )}
                </g>
              );
            })}
          </svg>
        )}
      </div>
    </div>
  );
}
