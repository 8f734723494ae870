// The console's entry: asks /api/meta, then shows the page of the hash route and refreshes it
// every 3 seconds while the tab is visible. A 401 (or a missing token) shows the token form.
import type { Meta } from '../../services/console/api.js';
import { getJson, getToken, isUnauthorized, setToken, setUnauthorizedHandler } from './api.js';
import { h, replace } from './dom.js';
import { clearAll, clearError, initErrors, showError } from './errors.js';
import { clock } from './format.js';
import type { PageView } from './page.js';
import { currentRoute, onRouteChange, type Route } from './router.js';
import { pageFor } from './routes.js';
import { tokenForm } from './tokenForm.js';

const REFRESH_MS = 3000;

const app = document.getElementById('app') ?? document.body.appendChild(h('main', { id: 'app' }));
const updatedAt = (): HTMLElement | null => document.querySelector('[data-testid="updated-at"]');

interface Mounted {
  page: PageView;
  timer: number;
  busy: boolean;
  again: boolean;
  active: boolean;
}

let meta: Meta | null = null;
let mounted: Mounted | null = null;
let showingTokenForm = false;

const setUpdated = (text: string, stale = false): void => {
  const element = updatedAt();
  if (!element) return;
  element.textContent = text;
  element.classList.toggle('stale', stale);
};

const unmount = (): void => {
  if (!mounted) return;
  mounted.active = false;
  window.clearInterval(mounted.timer);
  mounted = null;
};

const tick = async (state: Mounted): Promise<void> => {
  if (!state.active) return;
  if (state.busy) {
    state.again = true;
    return;
  }
  state.busy = true;
  try {
    await state.page.refresh();
    if (!state.active) return;
    clearError('load');
    setUpdated(`updated ${clock(Date.now())}`);
  } catch (error) {
    if (!state.active || isUnauthorized(error)) return;
    showError(error, 'load');
    setUpdated(`update failed ${clock(Date.now())}`, true);
  } finally {
    state.busy = false;
    if (state.again && state.active) {
      state.again = false;
      void tick(state);
    }
  }
};

const highlightNav = (nav: string | null): void => {
  for (const link of document.querySelectorAll<HTMLAnchorElement>('[data-nav]')) {
    const current = link.dataset.nav === nav;
    link.classList.toggle('active', current);
    if (current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
};

const mount = (route: Route): void => {
  if (!meta) return;
  unmount();
  clearAll();
  showingTokenForm = false;
  const state: Mounted = {
    page: undefined as unknown as PageView,
    timer: 0,
    busy: false,
    again: false,
    active: true,
  };
  state.page = pageFor(route)({ route, meta, refreshNow: () => void tick(state) });
  mounted = state;
  highlightNav(state.page.nav);
  document.title = `${state.page.title} · Hindsight`;
  replace(app, state.page.element);
  window.scrollTo(0, 0);
  setUpdated('loading…');
  state.timer = window.setInterval(() => {
    if (document.visibilityState === 'visible') void tick(state);
  }, REFRESH_MS);
  void tick(state);
};

const showTokenForm = (rejected: boolean): void => {
  if (showingTokenForm) return;
  unmount();
  showingTokenForm = true;
  if (rejected) setToken(null);
  highlightNav(null);
  setUpdated('waiting for the token', true);
  replace(
    app,
    tokenForm(rejected, (token) => {
      setToken(token);
      clearAll();
      mount(currentRoute());
    }),
  );
};

const renderChrome = (data: Meta): void => {
  const slot = document.getElementById('header-links');
  if (slot) {
    replace(
      slot,
      data.links.temporalUi
        ? h(
            'a',
            { href: data.links.temporalUi, target: '_blank', rel: 'noopener noreferrer' },
            'Temporal UI',
          )
        : null,
      h(
        'a',
        { href: data.links.mlflowUi, target: '_blank', rel: 'noopener noreferrer' },
        'MLflow UI',
      ),
      data.tokenRequired
        ? h(
            'button',
            {
              type: 'button',
              class: 'link-button',
              title: 'Forget the stored API token',
              onclick: () => showTokenForm(false),
            },
            'Token',
          )
        : null,
    );
  }
  const version = document.getElementById('version');
  if (version) version.textContent = `v${data.version}`;
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const start = async (): Promise<void> => {
  initErrors();
  setUnauthorizedHandler(() => showTokenForm(true));
  setUpdated('connecting…', true);
  while (meta === null) {
    try {
      meta = await getJson<Meta>('/api/meta');
    } catch (error) {
      showError(error, 'load');
      await sleep(REFRESH_MS);
    }
  }
  clearError('load');
  renderChrome(meta);
  onRouteChange((route) => mount(route));
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && mounted) void tick(mounted);
  });
  if (meta.tokenRequired && !getToken()) showTokenForm(false);
  else mount(currentRoute());
};

void start();
