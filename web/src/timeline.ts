// A workflow's stage timeline: one row per activity, child, timer, signal or update, with a
// Gantt-like bar placed on the workflow's span, its status, start, duration and failure.
import type { TimelineEntry } from '../../services/console/api.js';
import { h, s } from './dom.js';
import { dateTime, duration } from './format.js';
import { href } from './router.js';
import { badge, muted, time } from './ui.js';

const TRACK = 1000;

export const timeline = (
  entries: TimelineEntry[],
  span: { start: number; end: number },
  now: number,
): HTMLElement[] => {
  if (entries.length === 0) return [h('p', { class: 'muted' }, 'No history yet.')];
  const end = Math.max(span.end, ...entries.map((entry) => entry.closedAt ?? now), span.start + 1);
  const total = end - span.start;
  const axis = h(
    'div',
    { class: 'timeline-row timeline-axis' },
    h('div', null, 'Step'),
    h(
      'div',
      { class: 'timeline-scale' },
      h('span', null, '0'),
      h('span', null, duration(total / 2)),
      h('span', null, duration(total)),
    ),
    h('div', null, 'Status'),
    h('div', null, 'Started'),
    h('div', { class: 'num' }, 'Duration'),
  );
  const rows = entries.map((entry) => {
    const closed = entry.closedAt ?? now;
    const x = ((entry.startedAt - span.start) / total) * TRACK;
    const width = Math.max(((closed - entry.startedAt) / total) * TRACK, 4);
    const tooltip = [
      `${entry.name} (${entry.kind})`,
      `status: ${entry.status}`,
      `started ${dateTime(entry.startedAt)}`,
      entry.closedAt === null ? 'not closed' : `closed ${dateTime(entry.closedAt)}`,
      entry.failure ? `failure: ${entry.failure}` : null,
    ]
      .filter(Boolean)
      .join('\n');
    const name =
      entry.kind === 'child' && entry.id
        ? h('a', { href: href(['workflows', entry.id]) }, entry.name)
        : h('span', null, entry.name);
    return h(
      'div',
      {
        class: `timeline-row timeline-${entry.status}`,
        'data-testid': 'timeline-entry',
        'data-kind': entry.kind,
        'data-status': entry.status,
        'data-name': entry.name,
      },
      h(
        'div',
        { class: 'timeline-name' },
        name,
        h('span', { class: `tag kind-${entry.kind}` }, entry.kind),
        entry.attempt !== null && entry.attempt > 1
          ? h('span', { class: 'tag warn' }, `attempt ${entry.attempt}`)
          : null,
      ),
      s(
        'svg',
        {
          class: 'timeline-track',
          viewBox: `0 0 ${TRACK} 12`,
          preserveAspectRatio: 'none',
          role: 'img',
        },
        s('rect', { x: 0, y: 5.5, width: TRACK, height: 1, class: 'track-line' }),
        s(
          'rect',
          {
            x: Math.min(x, TRACK - 4),
            y: 1,
            width: Math.min(width, TRACK - Math.min(x, TRACK - 4)),
            height: 10,
            rx: 2,
            class: `track-bar bar-${entry.status}${entry.closedAt === null ? ' open' : ''}`,
          },
          s('title', null, tooltip),
        ),
      ),
      h('div', null, badge(entry.status)),
      h(
        'div',
        { class: 'timeline-start' },
        time(entry.startedAt),
        ' ',
        muted(`+${duration(entry.startedAt - span.start)}`),
      ),
      h(
        'div',
        { class: 'num' },
        entry.closedAt === null
          ? `${duration(now - entry.startedAt)}…`
          : duration(entry.closedAt - entry.startedAt),
      ),
      entry.failure ? h('div', { class: 'timeline-failure' }, entry.failure) : null,
    );
  });
  return [axis, ...rows];
};
