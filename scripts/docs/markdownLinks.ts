// Every relative link of a set of markdown pages, and whether its file and anchor exist.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
export const headingAnchor = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/ /g, '-');

/** The anchors a page's headings give, duplicates numbered as GitHub does. */
export const anchorsOf = (markdown: string): Set<string> => {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const match of withoutCode(markdown).matchAll(/^#{1,6} (.+)$/gm)) {
    const base = headingAnchor(match[1]!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
};

/** Fenced code blocks hold no links and no headings. */
const withoutCode = (markdown: string): string => markdown.replace(/^```[\s\S]*?^```/gm, '');

export interface BrokenLink {
  page: string;
  target: string;
  problem: string;
}

/** The relative links of the pages (paths relative to root) that point nowhere. */
export const brokenLinks = (root: string, pages: readonly string[]): BrokenLink[] => {
  const broken: BrokenLink[] = [];
  for (const page of pages) {
    const text = withoutCode(readFileSync(path.join(root, page), 'utf8')).replace(/`[^`\n]*`/g, '');
    for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1]!;
      if (/^[a-z][a-z+.-]*:/i.test(target)) continue; // http:, https:, mailto:
      const [file = '', anchor] = target.split('#');
      const resolved =
        file === '' ? path.join(root, page) : path.join(root, path.dirname(page), file);
      if (!existsSync(resolved)) {
        broken.push({ page, target, problem: 'no such file' });
      } else if (anchor !== undefined) {
        const isPage = statSync(resolved).isFile() && resolved.endsWith('.md');
        if (!isPage || !anchorsOf(readFileSync(resolved, 'utf8')).has(anchor)) {
          broken.push({ page, target, problem: `no heading #${anchor}` });
        }
      }
    }
  }
  return broken;
};
