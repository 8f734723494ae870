// The workflow table shared by the overview and the workflow list.
import type { WorkflowSummary } from '../../services/console/api.js';
import { h } from './dom.js';
import { duration } from './format.js';
import { href } from './router.js';
import { badge, externalLink, muted, table, td, time } from './ui.js';

export const workflowHref = (workflowId: string, runId?: string | null): string =>
  href(['workflows', workflowId], { runId: runId ?? null });

export const workflowDuration = (workflow: WorkflowSummary, now: number): string =>
  workflow.closedAt === null
    ? `${duration(now - workflow.startedAt)}…`
    : duration(workflow.closedAt - workflow.startedAt);

export const workflowTable = (
  workflows: WorkflowSummary[],
  now: number,
  empty = 'No workflows match.',
): HTMLElement =>
  table(
    ['Workflow', 'Type', 'Status', 'Stage', 'View', 'Started', 'Duration', ''],
    workflows.map((workflow) =>
      h(
        'tr',
        {
          'data-testid': 'workflow-row',
          'data-workflow-id': workflow.workflowId,
          'data-status': workflow.status,
        },
        td(
          h('a', { href: workflowHref(workflow.workflowId), class: 'mono' }, workflow.workflowId),
          'wrap',
        ),
        td(workflow.type),
        td(badge(workflow.status)),
        td(workflow.stage ?? muted('—')),
        td(workflow.view ?? muted('—')),
        td(time(workflow.startedAt)),
        td(workflowDuration(workflow, now), 'num'),
        td(externalLink(workflow.temporalUrl, 'Temporal')),
      ),
    ),
    empty,
  );
