// Temporal schedules: what they start and when, with Pause / Unpause / Trigger.
import type { Page, ScheduleActionRequest, ScheduleView } from '../../../services/console/api.js';
import { apiPath, getJson, postJson } from '../api.js';
import { h, Region, replace } from '../dom.js';
import { clearError, showError } from '../errors.js';
import { ago, clock } from '../format.js';
import type { PageFactory } from '../page.js';
import { Pager, badge, muted, section, table, td, time } from '../ui.js';
import { workflowHref } from '../workflowTable.js';

const PAGE_SIZE = 20;
type Action = 'pause' | 'unpause' | 'trigger';
const DONE: Record<Action, string> = { pause: 'Paused', unpause: 'Unpaused', trigger: 'Triggered' };

export const schedulesPage: PageFactory = ({ refreshNow }) => {
  const list = new Region();
  const pager = new Pager(refreshNow);
  const note = h('input', {
    type: 'text',
    name: 'note',
    placeholder: 'optional, sent with Pause / Unpause / Trigger',
    'data-testid': 'schedule-note',
    autocomplete: 'off',
  });
  const flash = h('div', { class: 'flash', role: 'status', 'data-testid': 'schedule-result' });

  const act = async (id: string, action: Action, button: HTMLButtonElement): Promise<void> => {
    button.disabled = true;
    const text = note.value.trim();
    const body: ScheduleActionRequest = text ? { note: text } : {};
    try {
      const answer = await postJson<ScheduleView>(apiPath(['schedules', id, action]), body);
      replace(
        flash,
        `${DONE[action]} ${answer.id} at ${clock(Date.now())}`,
        answer.paused ? ' (now paused)' : ' (now active)',
      );
      clearError('action');
      list.invalidate();
      refreshNow();
    } catch (error) {
      showError(error);
    } finally {
      button.disabled = false;
    }
  };

  const actionButton = (id: string, action: Action, label: string): HTMLButtonElement => {
    const button = h(
      'button',
      {
        type: 'button',
        class: `small ${action === 'pause' ? 'secondary' : ''}`.trim(),
        'data-testid': action,
      },
      label,
    );
    button.addEventListener('click', () => void act(id, action, button));
    return button;
  };

  const element = h(
    'div',
    { class: 'page schedules' },
    h('h1', null, 'Schedules'),
    h(
      'div',
      { class: 'filters' },
      h('label', { class: 'grow' }, h('span', null, 'Note'), note),
      flash,
    ),
    section('Schedules', pager.element, list.element),
  );

  const refresh = async (): Promise<void> => {
    const data = await getJson<Page<ScheduleView>>(
      apiPath(['schedules'], { pageSize: PAGE_SIZE, page: pager.token }),
    );
    const now = Math.floor(Date.now() / 5000) * 5000;
    list.update({ items: data.items, now }, ({ items }) =>
      table(
        [
          'Schedule',
          'Workflow',
          'Subject',
          'Spec',
          'State',
          'Actions taken',
          'Next run',
          'Recent actions',
          '',
        ],
        items.map((schedule) =>
          h(
            'tr',
            {
              'data-testid': 'schedule-row',
              'data-schedule-id': schedule.id,
              'data-paused': String(schedule.paused),
              class: schedule.paused ? 'paused' : null,
            },
            td(h('span', { class: 'mono' }, schedule.id), 'wrap'),
            td(schedule.workflowType),
            td(schedule.subject ?? muted('—')),
            td(h('code', null, schedule.spec)),
            td([
              badge(schedule.paused ? 'paused' : 'active', { 'data-testid': 'schedule-state' }),
              schedule.note ? h('div', { class: 'muted small' }, schedule.note) : null,
              schedule.running.length > 0
                ? h('div', { class: 'small' }, `${schedule.running.length} running`)
                : null,
            ]),
            td(
              [
                String(schedule.actionsTaken),
                schedule.skippedOverlap > 0
                  ? h(
                      'div',
                      { class: 'muted small' },
                      `${schedule.skippedOverlap} skipped (overlap)`,
                    )
                  : null,
              ],
              'num',
            ),
            td(
              schedule.nextActionTimes[0] === undefined
                ? muted(schedule.paused ? 'paused' : '—')
                : [time(schedule.nextActionTimes[0]), ' ', muted(ago(schedule.nextActionTimes[0]))],
            ),
            td(
              schedule.recentActions.length === 0
                ? muted('none yet')
                : h(
                    'ul',
                    { class: 'plain small' },
                    schedule.recentActions
                      .slice(-3)
                      .reverse()
                      .map((recent) =>
                        h(
                          'li',
                          null,
                          h(
                            'a',
                            { href: workflowHref(recent.workflowId), class: 'mono' },
                            recent.workflowId,
                          ),
                          ' ',
                          muted(ago(recent.takenAt)),
                        ),
                      ),
                  ),
              'wrap',
            ),
            td(
              h(
                'div',
                { class: 'row-actions' },
                actionButton(schedule.id, 'pause', 'Pause'),
                actionButton(schedule.id, 'unpause', 'Unpause'),
                actionButton(schedule.id, 'trigger', 'Trigger'),
              ),
            ),
          ),
        ),
        'No schedules.',
      ),
    );
    pager.render(data.next);
  };

  return { nav: 'schedules', title: 'Schedules', element, refresh };
};
