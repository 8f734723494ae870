// Small building blocks shared by the pages: badges, tables, JSON blocks, links, the pager.
import type { Child } from './dom.js';
import { h } from './dom.js';
import { compactJson, dateTime, prettyJson, shortTime } from './format.js';

/** A status badge: the class `status-<status>` picks its colour. */
export const badge = (status: string, attrs: Record<string, string> = {}): HTMLElement =>
  h(
    'span',
    { class: `badge status-${status.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`, ...attrs },
    status.toLowerCase().replace(/_/g, ' '),
  );

export const tag = (text: string, kind = ''): HTMLElement =>
  h('span', { class: `tag ${kind}`.trim() }, text);

/** A table with a header row; `empty` shows in a single row when there are no rows. */
export const table = (
  headers: (string | { label: string; numeric?: boolean })[],
  rows: HTMLTableRowElement[],
  empty = 'Nothing here yet.',
  className = '',
): HTMLElement =>
  h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: `data ${className}`.trim() },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          headers.map((header) =>
            typeof header === 'string'
              ? h('th', null, header)
              : h('th', { class: header.numeric ? 'num' : null }, header.label),
          ),
        ),
      ),
      h(
        'tbody',
        null,
        rows.length > 0
          ? rows
          : h('tr', { class: 'empty' }, h('td', { colspan: headers.length }, empty)),
      ),
    ),
  );

export const td = (content: Child, className?: string): HTMLTableCellElement =>
  h('td', { class: className ?? null }, content);

export const numTd = (content: Child): HTMLTableCellElement => h('td', { class: 'num' }, content);

/** A time: short text, the full date and time as its tooltip. */
export const time = (ms: number | null | undefined): HTMLElement | string =>
  ms === null || ms === undefined
    ? '—'
    : h('time', { datetime: new Date(ms).toISOString(), title: dateTime(ms) }, shortTime(ms));

export const externalLink = (url: string | null | undefined, text: Child): Child =>
  url
    ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', class: 'external' }, text)
    : null;

export const link = (hash: string, text: Child, attrs: Record<string, string> = {}): HTMLElement =>
  h('a', { href: hash, ...attrs }, text);

export const pre = (value: unknown): HTMLElement => h('pre', { class: 'json' }, prettyJson(value));

/** JSON folded into a one-line summary; `open` keeps the unfolded ones open across refreshes. */
export const foldedJson = (
  key: string,
  value: unknown,
  open: Set<string>,
  ...more: Child[]
): HTMLElement => {
  const details = h(
    'details',
    { class: 'folded', open: open.has(key) },
    h('summary', null, compactJson(value, 90)),
    pre(value),
    ...more,
  );
  details.addEventListener('toggle', () => {
    if (details.open) open.add(key);
    else open.delete(key);
  });
  return details;
};

/** A section of a page with a heading and optional tools on the heading's right. */
export const section = (title: string, tools: Child, ...body: Child[]): HTMLElement =>
  h(
    'section',
    { class: 'panel' },
    h('div', { class: 'panel-head' }, h('h2', null, title), h('div', { class: 'tools' }, tools)),
    ...body,
  );

/** A definition list of label → value pairs (null values are left out). */
export const facts = (pairs: [string, Child][]): HTMLElement =>
  h(
    'dl',
    { class: 'facts' },
    pairs
      .filter(([, value]) => value !== null && value !== undefined && value !== '')
      .map(([label, value]) => h('div', null, h('dt', null, label), h('dd', null, value))),
  );

export const muted = (text: string): HTMLElement => h('span', { class: 'muted' }, text);

/**
 * "First page / Next page" paging over opaque tokens. `token` is the page to ask for (null for
 * the first); `render(next)` draws the controls for the answer's `next`.
 */
export class Pager {
  token: string | null = null;
  private number = 1;
  readonly element = h('div', { class: 'pager' });

  constructor(private readonly onChange: () => void) {}

  reset(): void {
    this.token = null;
    this.number = 1;
  }

  render(next: string | null): void {
    const first = h(
      'button',
      { type: 'button', class: 'small', disabled: this.token === null },
      'First page',
    );
    first.addEventListener('click', () => {
      this.reset();
      this.onChange();
    });
    const nextButton = h(
      'button',
      { type: 'button', class: 'small', disabled: next === null },
      'Next page',
    );
    nextButton.addEventListener('click', () => {
      if (next === null) return;
      this.token = next;
      this.number += 1;
      this.onChange();
    });
    this.element.replaceChildren(
      first,
      h('span', { class: 'muted' }, `page ${this.number}`),
      nextButton,
    );
  }
}
