// What a page is: an element built once, and a refresh that re-fetches and re-renders only its
// data regions (so form input, focus and scroll survive the 3-second live updates).
import type { Meta } from '../../services/console/api.js';
import type { Route } from './router.js';

export type NavKey = 'overview' | 'workflows' | 'schedules' | 'datasets' | 'models' | 'events';

export interface PageContext {
  route: Route;
  meta: Meta;
  /** Re-fetches now (after a paging click or an action), instead of waiting for the timer. */
  refreshNow: () => void;
}

export interface PageView {
  nav: NavKey | null;
  title: string;
  element: HTMLElement;
  refresh(): Promise<void>;
}

export type PageFactory = (context: PageContext) => PageView;
