// The workflow list: filters (type, status, stage, view) in the hash, a table, paging.
import type { Page, WorkflowSummary } from '../../../services/console/api.js';
import { WORKFLOW_STATUSES, WORKFLOW_TYPE_NAMES } from '../../../services/console/api.js';
import { apiPath, getJson } from '../api.js';
import { h, Region } from '../dom.js';
import { filterForm } from '../filters.js';
import type { PageFactory } from '../page.js';
import { Pager, section } from '../ui.js';
import { workflowTable } from '../workflowTable.js';

const PAGE_SIZE = 25;

export const workflowsPage: PageFactory = ({ route, refreshNow }) => {
  const { query } = route;
  const list = new Region();
  const pager = new Pager(refreshNow);
  const element = h(
    'div',
    { class: 'page workflows' },
    h('h1', null, 'Workflows'),
    filterForm(
      ['workflows'],
      [
        { name: 'type', label: 'Type', kind: 'select', options: WORKFLOW_TYPE_NAMES },
        { name: 'status', label: 'Status', kind: 'select', options: WORKFLOW_STATUSES },
        { name: 'stage', label: 'Stage', kind: 'text', placeholder: 'e.g. training' },
        { name: 'view', label: 'View', kind: 'text', placeholder: 'e.g. churn' },
      ],
      query,
    ),
    section('Runs', pager.element, list.element),
  );

  const refresh = async (): Promise<void> => {
    const data = await getJson<Page<WorkflowSummary>>(
      apiPath(['workflows'], {
        type: query.get('type'),
        status: query.get('status'),
        stage: query.get('stage'),
        view: query.get('view'),
        pageSize: PAGE_SIZE,
        page: pager.token,
      }),
    );
    const now = Math.floor(Date.now() / 5000) * 5000;
    list.update({ items: data.items, now }, ({ items }) => workflowTable(items, now));
    pager.render(data.next);
  };

  return { nav: 'workflows', title: 'Workflows', element, refresh };
};
