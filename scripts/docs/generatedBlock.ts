// A generated part of a hand-written page: the text between `<!-- generated:<name> -->` and
// `<!-- /generated -->`, rewritten by `make docs` and never edited by hand.

const marker = (name: string): string => `<!-- generated:${name} -->`;
const END = '<!-- /generated -->';

/** The page with its block `name` replaced by `content`; throws when the markers are missing. */
export const replaceGeneratedBlock = (page: string, name: string, content: string): string => {
  const start = page.indexOf(marker(name));
  const end = page.indexOf(END, start);
  if (start < 0 || end < 0) throw new Error(`no ${marker(name)} … ${END} block`);
  return `${page.slice(0, start)}${marker(name)}\n\n${content.trim()}\n\n${page.slice(end)}`;
};
