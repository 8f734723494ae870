// One workflow: status, stage and progress, its timeline, inputs and outputs, relatives, and
// (while a promotion awaits a reviewer) the review panel that approves or rejects it.
import type {
  ReviewRequest,
  ReviewResponse,
  WorkflowDetail,
} from '../../../services/console/api.js';
import { apiPath, getJson, postJson } from '../api.js';
import { h, Region, replace } from '../dom.js';
import { clearError, showError } from '../errors.js';
import { duration, num } from '../format.js';
import type { PageFactory } from '../page.js';
import { href } from '../router.js';
import { timeline } from '../timeline.js';
import { badge, externalLink, facts, muted, pre, section, table, td, time } from '../ui.js';
import { workflowHref } from '../workflowTable.js';

const REVIEWER_KEY = 'hindsight.reviewer';

const remembered = (): string => {
  try {
    return localStorage.getItem(REVIEWER_KEY) ?? '';
  } catch {
    return '';
  }
};

const remember = (reviewer: string): void => {
  try {
    localStorage.setItem(REVIEWER_KEY, reviewer);
  } catch {
    // Storage disabled.
  }
};

export const workflowDetailPage: PageFactory = ({ route, refreshNow }) => {
  const workflowId = route.segments[1] ?? '';
  const runId = route.query.get('runId');
  const header = new Region(h('div', { class: 'detail-head' }));
  const timelineRegion = new Region(h('div', { class: 'timeline', 'data-testid': 'timeline' }));
  const timelineNote = new Region(h('div'));
  const relatives = new Region();
  const blocks = new Region(h('div', { class: 'grid-2 json-blocks' }));
  const reviewSlot = h('div');
  const review = reviewPanel(workflowId, refreshNow);

  const element = h(
    'div',
    { class: 'page workflow-detail' },
    h(
      'div',
      { class: 'crumbs' },
      h('a', { href: href(['workflows']) }, 'Workflows'),
      ' / ',
      h('span', { class: 'mono' }, workflowId),
    ),
    header.element,
    reviewSlot,
    section('Timeline', timelineNote.element, timelineRegion.element),
    relatives.element,
    blocks.element,
  );

  const refresh = async (): Promise<void> => {
    const data = await getJson<WorkflowDetail>(apiPath(['workflows', workflowId], { runId }));
    const now = Math.floor(Date.now() / 1000) * 1000;
    header.update({ data: summaryOf(data), now }, () => headerOf(data, now));
    review.update(data);
    if (review.visible) {
      if (!review.element.isConnected) reviewSlot.append(review.element);
    } else {
      review.element.remove();
    }
    timelineRegion.update({ timeline: data.timeline, open: data.closedAt === null ? now : 0 }, () =>
      timeline(data.timeline, { start: data.startedAt, end: data.closedAt ?? now }, now),
    );
    timelineNote.update(data.timelineTruncated, (truncated) =>
      truncated ? muted('The history is longer than the console reads: this is its start.') : null,
    );
    relatives.update({ children: data.children, parent: data.parent }, ({ children, parent }) =>
      children.length === 0 && parent === null
        ? null
        : section(
            'Related workflows',
            null,
            table(
              ['Relation', 'Workflow', 'Type'],
              [
                ...(parent
                  ? [
                      h(
                        'tr',
                        { 'data-testid': 'workflow-parent' },
                        td('parent'),
                        td(
                          h(
                            'a',
                            { href: workflowHref(parent.workflowId, parent.runId), class: 'mono' },
                            parent.workflowId,
                          ),
                          'wrap',
                        ),
                        td(muted('—')),
                      ),
                    ]
                  : []),
                ...children.map((child) =>
                  h(
                    'tr',
                    { 'data-testid': 'workflow-child' },
                    td('child'),
                    td(
                      h(
                        'a',
                        { href: workflowHref(child.workflowId), class: 'mono' },
                        child.workflowId,
                      ),
                      'wrap',
                    ),
                    td(child.type),
                  ),
                ),
              ],
            ),
          ),
    );
    blocks.update(
      { input: data.input, result: data.result, failure: data.failure, progress: data.progress },
      (b) => [
        section('Input', null, pre(b.input)),
        section(
          'Result',
          null,
          b.result === null || b.result === undefined ? muted('No result yet.') : pre(b.result),
        ),
        b.failure ? section('Failure', null, h('pre', { class: 'json failure' }, b.failure)) : null,
        section(
          'Progress',
          null,
          b.progress === null || b.progress === undefined
            ? muted('No progress reported.')
            : pre(b.progress),
        ),
      ],
    );
  };

  return { nav: 'workflows', title: workflowId, element, refresh };
};

const summaryOf = (data: WorkflowDetail): unknown => ({
  id: data.workflowId,
  run: data.runId,
  type: data.type,
  status: data.status,
  stage: data.stage,
  view: data.view,
  percent: data.percent,
  startedAt: data.startedAt,
  closedAt: data.closedAt,
  url: data.temporalUrl,
});

const headerOf = (data: WorkflowDetail, now: number): HTMLElement[] => {
  const percent = data.percent === null ? null : Math.max(0, Math.min(100, data.percent));
  return [
    h(
      'div',
      { class: 'title-row' },
      h('h1', { class: 'mono' }, data.workflowId),
      h(
        'span',
        { 'data-testid': 'workflow-status', 'data-status': data.status },
        badge(data.status),
      ),
      externalLink(data.temporalUrl, 'Open in Temporal UI'),
    ),
    h(
      'div',
      { class: 'summary-row' },
      facts([
        ['Type', data.type],
        ['Stage', h('span', { 'data-testid': 'workflow-stage' }, data.stage ?? '—')],
        ['View', data.view],
        ['Started', time(data.startedAt)],
        ['Closed', data.closedAt === null ? null : time(data.closedAt)],
        [
          'Duration',
          data.closedAt === null
            ? `${duration(now - data.startedAt)} (running)`
            : duration(data.closedAt - data.startedAt),
        ],
        ['Run', h('span', { class: 'mono small' }, data.runId)],
      ]),
    ),
    percent === null
      ? h('div', { class: 'progress-row' })
      : h(
          'div',
          { class: 'progress-row' },
          h('progress', { max: 100, value: percent, 'data-testid': 'workflow-progress' }),
          h('span', { class: 'progress-label' }, `${num(percent, 0)}%`),
        ),
  ];
};

interface ReviewPanel {
  element: HTMLElement;
  visible: boolean;
  update(data: WorkflowDetail): void;
}

/** Built once per page, so what the reviewer typed survives the refreshes. */
const reviewPanel = (workflowId: string, refreshNow: () => void): ReviewPanel => {
  const reviewer = h('input', {
    type: 'text',
    name: 'reviewer',
    value: remembered(),
    placeholder: 'your name',
    'data-testid': 'review-reviewer',
    autocomplete: 'off',
  });
  const reason = h('textarea', {
    name: 'reason',
    rows: 2,
    placeholder: 'why you approve or reject',
    'data-testid': 'review-reason',
  });
  const approve = h(
    'button',
    { type: 'button', class: 'approve', 'data-testid': 'approve' },
    'Approve',
  );
  const reject = h(
    'button',
    { type: 'button', class: 'reject danger', 'data-testid': 'reject' },
    'Reject',
  );
  const details = new Region(h('div', { class: 'review-details' }));
  const title = h('h2', null, 'Promotion awaiting review');
  const state = h('p', { class: 'muted' });
  const result = h('div', { class: 'review-result', 'data-testid': 'review-result' });
  const element = h(
    'section',
    { class: 'panel review-panel', 'data-testid': 'review-panel' },
    h('div', { class: 'panel-head' }, title, state),
    details.element,
    h(
      'div',
      { class: 'review-form' },
      h('label', null, h('span', null, 'Reviewer'), reviewer),
      h('label', { class: 'grow' }, h('span', null, 'Reason'), reason),
      h('div', { class: 'review-buttons' }, approve, reject),
    ),
  );
  let pending = false;
  let answered = false;
  let busy = false;
  const setButtons = (): void => {
    approve.disabled = busy || !pending;
    reject.disabled = busy || !pending;
  };

  const decide = async (decision: 'approve' | 'reject'): Promise<void> => {
    busy = true;
    setButtons();
    const body: ReviewRequest = { reviewer: reviewer.value.trim(), reason: reason.value.trim() };
    if (body.reviewer) remember(body.reviewer);
    if (!result.isConnected) element.append(result);
    replace(result, muted(decision === 'approve' ? 'Approving…' : 'Rejecting…'));
    try {
      const answer = await postJson<ReviewResponse>(
        apiPath(['workflows', workflowId, decision]),
        body,
      );
      answered = true;
      clearError('action');
      result.className = 'review-result ok';
      replace(
        result,
        h('strong', null, decision === 'approve' ? 'Approved.' : 'Rejected.'),
        ' The promotion answered:',
        pre(answer.promotion),
      );
      refreshNow();
    } catch (error) {
      result.className = 'review-result failed';
      replace(
        result,
        h('strong', null, `${decision === 'approve' ? 'Approve' : 'Reject'} failed: `),
        (error as Error).message,
      );
      showError(error);
    } finally {
      busy = false;
      setButtons();
    }
  };
  approve.addEventListener('click', () => void decide('approve'));
  reject.addEventListener('click', () => void decide('reject'));

  const panel: ReviewPanel = {
    element,
    visible: false,
    update(data) {
      const promotion = data.pendingPromotion;
      pending = promotion !== null;
      panel.visible = pending || answered;
      setButtons();
      state.textContent = pending ? 'waiting for a reviewer' : 'decided';
      title.textContent = pending ? 'Promotion awaiting review' : 'Promotion reviewed';
      details.update(promotion, (p) =>
        p === null
          ? null
          : [
              h(
                'p',
                { class: 'review-about' },
                'Promotion workflow ',
                h(
                  'a',
                  { href: workflowHref(p.promotionWorkflowId), class: 'mono' },
                  p.promotionWorkflowId,
                ),
              ),
              pre(p.details),
            ],
      );
    },
  };
  return panel;
};
