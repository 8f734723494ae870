// Any hash the console does not know.
import { h } from '../dom.js';
import type { PageFactory } from '../page.js';

export const notFoundPage: PageFactory = ({ route }) => ({
  nav: null,
  title: 'Not found',
  element: h(
    'div',
    { class: 'page not-found' },
    h('h1', null, 'No such page'),
    h(
      'p',
      null,
      'The console has no page at ',
      h('code', null, `#/${route.segments.join('/')}`),
      '.',
    ),
    h('p', null, h('a', { href: '#/' }, 'Back to the overview')),
  ),
  refresh: () => Promise.resolve(),
});
