import { useTranslation } from 'react-i18next';
import { useFormat } from '@/hooks/useFormat';
import { useLang } from '@/hooks/useLang';
import { useMediaQuery, WIDE } from '@/hooks/useMediaQuery';
import type { HourlyThroughput } from '@/types/queue';

const WIDTH = 720;
// On a phone the drawing is scaled to a third of its width: it gets taller, with bigger and fewer labels, to stay readable.
const SHAPE = { wide: { height: 200, font: 11, labels: 8, bottom: 28 }, narrow: { height: 420, font: 30, labels: 4, bottom: 48 } };
const SIDE = 32;
/** The bars of an hour, in order: what was queued, sent and failed, each in its status colour. */
const SERIES = [
  { key: 'queued', fill: 'var(--color-info)', swatch: 'bg-info' },
  { key: 'sent', fill: 'var(--color-success)', swatch: 'bg-success' },
  { key: 'failed', fill: 'var(--color-destructive)', swatch: 'bg-destructive' },
] as const;

/** A hand-drawn SVG bar chart of queued, sent and failed per hour; a table carries the same data for screen readers. */
export default function ThroughputChart({ data }: { data: HourlyThroughput[] }) {
  const { t } = useTranslation();
  const { isRTL } = useLang();
  const format = useFormat();
  const shape = useMediaQuery(WIDE) ? SHAPE.wide : SHAPE.narrow;
  const HEIGHT = shape.height;
  // Time runs in the reading direction.
  const hours = isRTL ? [...data].reverse() : data;
  const max = Math.max(1, ...hours.map((row) => Math.max(...SERIES.map(({ key }) => row[key]))));
  const slot = (WIDTH - SIDE * 2) / Math.max(1, hours.length);
  const bar = Math.max(2, slot / 3 - 1);
  const top = shape.font + 4;
  const plot = HEIGHT - top - shape.bottom;
  const y = (value: number) => top + plot - (value / max) * plot;
  const totals = data.reduce((sum, row) => ({ sent: sum.sent + row.sent, failed: sum.failed + row.failed }), { sent: 0, failed: 0 });
  const labelEvery = Math.ceil(hours.length / shape.labels);

  return (
    <figure className="flex flex-col gap-2">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={t('metrics.throughputSummary', totals)} className="h-auto w-full" data-testid="throughput-chart">
        <line x1={SIDE} x2={WIDTH - SIDE} y1={y(0)} y2={y(0)} stroke="currentColor" strokeOpacity={0.3} />
        {/* The anchor is read in the text's direction: in a right-to-left page "end" would push the number out of the chart. */}
        <text x={isRTL ? WIDTH - 4 : 4} y={shape.font} fontSize={shape.font} fill="currentColor" direction="ltr" textAnchor={isRTL ? 'end' : 'start'}>
          {max}
        </text>
        {hours.map((row, index) => {
          const x = SIDE + index * slot + 1;
          return (
            <g key={row.hour}>
              {SERIES.map(({ key, fill }, n) => (
                <rect key={key} x={x + bar * n} y={y(row[key])} width={bar} height={y(0) - y(row[key])} fill={fill} rx={1} />
              ))}
              {index % labelEvery === 0 && (
                <text x={x + bar} y={HEIGHT - shape.font / 2} fontSize={shape.font} fill="currentColor" textAnchor="middle">
                  {format.time(row.hour)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption className="flex flex-wrap gap-x-4 gap-y-1 text-sm">
        {SERIES.map(({ key, swatch }) => (
          <span key={key} className="inline-flex items-center gap-1.5">
            <span className={`inline-block size-3 rounded-sm ${swatch}`} aria-hidden="true" />
            {t(`metrics.legend.${key}`)}
          </span>
        ))}
      </figcaption>
      <table className="sr-only">
        <caption>{t('metrics.throughput')}</caption>
        <thead>
          <tr>
            <th scope="col">{format.withZone(t('metrics.hour'))}</th>
            {SERIES.map(({ key }) => (
              <th key={key} scope="col">
                {t(`metrics.legend.${key}`)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {data.map((row) => (
            <tr key={row.hour}>
              <th scope="row">{format.time(row.hour)}</th>
              {SERIES.map(({ key }) => (
                <td key={key}>{row[key]}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
