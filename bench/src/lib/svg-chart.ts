/** A plain horizontal bar chart as SVG text: one bar per system, value and min–max written beside it. */

export interface Bar {
  label: string;
  value: number;
  min?: number;
  max?: number;
}

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '–';
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

export function barChart(title: string, caption: string, bars: readonly Bar[]): string {
  const labelWidth = 190;
  const chartWidth = 420;
  const rowHeight = 28;
  const top = 48;
  const width = labelWidth + chartWidth + 190;
  const height = top + bars.length * rowHeight + 30;
  const scaleMax = Math.max(
    1e-9,
    ...bars.map((bar) => (Number.isFinite(bar.max) ? (bar.max ?? 0) : bar.value)),
  );
  const x = (value: number) => labelWidth + (Math.max(0, value) / scaleMax) * chartWidth;
  const palette = ['#2b6cb0', '#dd6b20', '#38a169', '#805ad5', '#d53f8c', '#718096'];
  const rows = bars.map((bar, index) => {
    const y = top + index * rowHeight;
    const value = Number.isFinite(bar.value) ? bar.value : 0;
    const whisker =
      bar.min !== undefined && bar.max !== undefined && Number.isFinite(bar.min) && Number.isFinite(bar.max)
        ? `<line x1="${x(bar.min)}" x2="${x(bar.max)}" y1="${y + 10}" y2="${y + 10}" stroke="#1a202c" stroke-width="1.5"/>`
        : '';
    const range =
      bar.min !== undefined && bar.max !== undefined && bar.min !== bar.max
        ? ` (${formatNumber(bar.min)}–${formatNumber(bar.max)})`
        : '';
    return [
      `<text x="${labelWidth - 8}" y="${y + 14}" text-anchor="end">${escapeXml(bar.label)}</text>`,
      `<rect x="${labelWidth}" y="${y}" width="${x(value) - labelWidth}" height="20" fill="${palette[index % palette.length]}"/>`,
      whisker,
      `<text x="${x(Math.max(value, bar.max ?? 0)) + 6}" y="${y + 14}">${escapeXml(formatNumber(bar.value) + range)}</text>`,
    ].join('');
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeXml(title)}" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="12" y="20" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="12" y="38" fill="#4a5568">${escapeXml(caption)}</text>`,
    ...rows,
    '</svg>',
    '',
  ].join('\n');
}
