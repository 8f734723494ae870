// A tiny DOM builder. Text always goes in through text nodes (textContent), never as HTML:
// everything the API returns may carry user input.

export type Child = Node | string | number | null | undefined | false | Child[];
export type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

const append = (parent: Node, child: Child): void => {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) {
    for (const item of child) append(parent, item);
    return;
  }
  parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
};

const applyAttrs = (element: Element, attrs: Attrs | null | undefined): void => {
  if (!attrs) return;
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') {
      element.addEventListener(name.replace(/^on/, ''), value);
    } else if (name === 'style' || name === 'innerHTML') {
      // The console's CSP forbids inline styles; markup never comes from strings.
      throw new Error(`attribute ${name} is not allowed`);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
};

/** An HTML element: `h('a', { href, class }, 'text', child…)`. `on*` attributes add listeners. */
export const h = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] => {
  const element = document.createElement(tag);
  applyAttrs(element, attrs);
  append(element, children);
  return element;
};

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element, same calling convention as `h`. */
export const s = <K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): SVGElementTagNameMap[K] => {
  const element = document.createElementNS(SVG_NS, tag);
  applyAttrs(element, attrs);
  append(element, children);
  return element;
};

/** Replaces an element's children in one step (keeps the element, its scroll and its focus). */
export const replace = (parent: Element, ...children: Child[]): void => {
  const fragment = document.createDocumentFragment();
  append(fragment, children);
  parent.replaceChildren(fragment);
};

/**
 * A region of a page re-rendered from data: `update` rebuilds its content only when the data
 * differs from the last render, so open <details>, selections and scroll survive a refresh.
 */
export class Region {
  readonly element: HTMLElement;
  private last: string | undefined;

  constructor(element: HTMLElement = h('div')) {
    this.element = element;
  }

  update<T>(data: T, build: (data: T) => Child): void {
    const fingerprint = JSON.stringify(data) ?? 'undefined';
    if (fingerprint === this.last) return;
    this.last = fingerprint;
    replace(this.element, build(data));
  }

  /** Forgets the last data, so the next `update` rebuilds. */
  invalidate(): void {
    this.last = undefined;
  }
}
