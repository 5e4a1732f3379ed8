interface Series {
  label: string;
  color: string;
  values: number[];
}

interface Props {
  title: string;
  series: Series[];
  format(n: number): string;
  /** Points across the chart (seconds of history). */
  span: number;
}

const W = 600;
const H = 140;

/** A small live line chart, hand-drawn in SVG: the last `span` seconds, newest on the right. */
export function Chart({ title, series, format, span }: Props) {
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const x = (i: number, n: number): number => W - (n - 1 - i) * (W / (span - 1));
  const y = (v: number): number => H - 4 - (v / max) * (H - 12);
  return (
    <figure className="chart card">
      <figcaption>
        <span className="chart-title">{title}</span>
        <span className="legend">
          {series.map((s) => (
            <span key={s.label}>
              <i style={{ background: s.color }} />
              {s.label} <b>{format(s.values.at(-1) ?? 0)}</b>
            </span>
          ))}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={title}>
        {[0.25, 0.5, 0.75].map((f) => (
          <line key={f} x1={0} x2={W} y1={H * f} y2={H * f} className="grid" />
        ))}
        {series.map((s) => {
          const n = s.values.length;
          if (n < 2) return null;
          const pts = s.values.map((v, i) => `${x(i, n).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
          return (
            <g key={s.label}>
              <polygon points={`${x(0, n).toFixed(1)},${H} ${pts} ${W},${H}`} fill={s.color} opacity={0.12} />
              <polyline points={pts} fill="none" stroke={s.color} strokeWidth={1.6} vectorEffect="non-scaling-stroke" />
            </g>
          );
        })}
      </svg>
      <div className="chart-scale">
        <span>{Math.round(span / 60)} min ago</span>
        <span>max {format(max)}</span>
        <span>now</span>
      </div>
    </figure>
  );
}
