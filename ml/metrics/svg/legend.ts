// The legend column beside a chart. Names are shortened to fit its width; the full name stays
// in a <title>, which viewers show on hover.
import { escapeXml } from './escapeXml.js';

const ENTRY_HEIGHT = 34;
// About what fits in the 170 px column at font size 12.
const NAME_CHARS = 20;

export interface LegendEntry {
  name: string;
  /** A second, smaller line under the name, e.g. "AUC 0.873". */
  detail: string;
  color: string;
}

const shortName = (name: string): string => {
  const chars = [...name]; // code points, so that an emoji is never cut in half
  return chars.length <= NAME_CHARS ? name : `${chars.slice(0, NAME_CHARS - 1).join('')}…`;
};

/** A column of entries (line swatch, name, detail) starting at (x, top), then an optional note. */
export const legend = (
  entries: readonly LegendEntry[],
  note: string | undefined,
  { x, top }: { x: number; top: number },
): string[] => {
  const rows = entries.flatMap(({ name, detail, color }, index) => {
    const y = top + index * ENTRY_HEIGHT;
    return [
      `<line x1="${x}" y1="${y - 4}" x2="${x + 18}" y2="${y - 4}" stroke="${color}" stroke-width="3"/>`,
      `<text x="${x + 24}" y="${y}"><title>${escapeXml(name)}</title>${escapeXml(shortName(name))}</text>`,
      `<text x="${x + 24}" y="${y + 14}" font-size="11" fill="#555">${escapeXml(detail)}</text>`,
    ];
  });
  if (note === undefined) return rows;
  const y = top + entries.length * ENTRY_HEIGHT;
  return [...rows, `<text x="${x}" y="${y}" font-size="10" fill="#777">${escapeXml(note)}</text>`];
};
