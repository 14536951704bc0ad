/** One bar of a horizontal bar chart. */
export interface Bar {
  readonly label: string;
  readonly value: number;
  /** Text printed after the bar; default: the value. */
  readonly text?: string;
  /** "good" bars are green, "bad" red, others grey. */
  readonly tone?: "good" | "bad" | "neutral";
}

const COLORS = { good: "#2e7d32", bad: "#c62828", neutral: "#607d8b" } as const;

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A self-contained horizontal bar chart (a pure function; no dependencies, no scripts). */
export function renderBarChart(title: string, bars: readonly Bar[], width = 900): string {
  const labelWidth = 330;
  const barArea = width - labelWidth - 260;
  const rowHeight = 30;
  const top = 44;
  const height = top + bars.length * rowHeight + 16;
  const max = Math.max(...bars.map((b) => b.value), 1e-9);
  const rows = bars.map((bar, i) => {
    const y = top + i * rowHeight;
    const length = bar.value <= 0 ? 2 : Math.max(2, (bar.value / max) * barArea);
    const color = COLORS[bar.tone ?? "neutral"];
    return [
      `  <text x="${labelWidth - 8}" y="${y + 19}" text-anchor="end">${escapeXml(bar.label)}</text>`,
      `  <rect x="${labelWidth}" y="${y + 5}" width="${length.toFixed(1)}" height="${rowHeight - 10}" fill="${color}"/>`,
      `  <text x="${(labelWidth + length + 6).toFixed(1)}" y="${y + 19}">${escapeXml(bar.text ?? String(bar.value))}</text>`,
    ].join("\n");
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="13">`,
    `  <rect width="100%" height="100%" fill="#ffffff"/>`,
    `  <text x="12" y="24" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    ...rows,
    "</svg>",
    "",
  ].join("\n");
}
