// The one visible error banner (data-testid="error"). Load errors clear themselves when the next
// refresh succeeds; action errors stay until dismissed or the route changes.
import { ApiFailure } from './api.js';
import { h, replace } from './dom.js';

type Source = 'load' | 'action';

interface Shown {
  source: Source;
  error: unknown;
  at: number;
}

const shown = new Map<Source, Shown>();
let banner: HTMLElement | null = null;

const describe = (error: unknown): { title: string; message: string } => {
  if (error instanceof ApiFailure) {
    const where = error.field ? ` (${error.field})` : '';
    const status = error.status ? `${error.status} ` : '';
    return { title: `${status}${error.code}${where}`, message: error.message };
  }
  if (error instanceof Error) return { title: error.name, message: error.message };
  return { title: 'Error', message: String(error) };
};

const render = (): void => {
  if (!banner) return;
  if (shown.size === 0) {
    banner.remove();
    return;
  }
  const items = [...shown.values()].sort((a, b) => a.at - b.at);
  replace(
    banner,
    h(
      'div',
      { class: 'error-lines' },
      items.map(({ error }) => {
        const { title, message } = describe(error);
        return h('div', { class: 'error-line' }, h('strong', null, title), ': ', message);
      }),
    ),
    h(
      'button',
      { type: 'button', class: 'link-button', 'aria-label': 'Dismiss', onclick: () => clearAll() },
      '×',
    ),
  );
  if (!banner.isConnected) document.getElementById('banner-slot')?.appendChild(banner);
};

export const initErrors = (): void => {
  banner = h('div', { class: 'error-banner', role: 'alert', 'data-testid': 'error' });
};

export const showError = (error: unknown, source: Source = 'action'): void => {
  shown.set(source, { source, error, at: Date.now() });
  render();
};

export const clearError = (source: Source): void => {
  if (shown.delete(source)) render();
};

export const clearAll = (): void => {
  shown.clear();
  render();
};
