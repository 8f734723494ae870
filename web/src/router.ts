// Hash routes: `#/<segments, each URL-encoded>?<query>`. Ids may contain `/` (a pipeline's
// children are `<pipeline>/promotion`), so every segment is encodeURIComponent'd.

export interface Route {
  /** Decoded path segments: `#/workflows/a%2Fb` is ['workflows', 'a/b']. */
  segments: string[];
  query: URLSearchParams;
}

export const parseHash = (hash: string): Route => {
  const raw = hash.replace(/^#/, '');
  const mark = raw.indexOf('?');
  const path = mark === -1 ? raw : raw.slice(0, mark);
  const search = mark === -1 ? '' : raw.slice(mark + 1);
  const segments = path
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    });
  return { segments, query: new URLSearchParams(search) };
};

export type QueryInput = Record<string, string | number | null | undefined>;

/** The hash of a route: `href(['workflows', id], { runId })`. Empty query values are left out. */
export const href = (segments: string[], query: QueryInput = {}): string => {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== null && value !== undefined && value !== '') params.set(name, String(value));
  }
  const search = params.toString();
  return `#/${segments.map(encodeURIComponent).join('/')}${search ? `?${search}` : ''}`;
};

export const currentRoute = (): Route => parseHash(window.location.hash);

export const navigate = (hash: string): void => {
  if (window.location.hash === hash) return;
  window.location.hash = hash;
};

export const onRouteChange = (listener: (route: Route) => void): void => {
  window.addEventListener('hashchange', () => listener(currentRoute()));
};
