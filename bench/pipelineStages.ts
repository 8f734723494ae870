// The stage table of figure (f): each stage of the pipeline with its wall time, its share, and
// what ran in it (run times; a child workflow with its own activities).
import type { History } from '@temporalio/common/lib/proto-utils.js';
import {
  seconds,
  stageSpans,
  taskSpans,
  taskTotals,
  workflowSpan,
  type StageSpan,
  type TaskSpan,
} from './pipelineHistory.js';

/** Below this, a task's wait for a worker is not worth a mention. */
const QUEUED_MENTION_S = 0.05;

const describe = (task: TaskSpan, children: ReadonlyMap<string, History>): string => {
  const before = seconds(task.waited) - seconds(task.ran);
  const wait =
    task.attempt > 1
      ? `, attempt ${task.attempt} (earlier attempts and backoff ${before.toFixed(2)}s)`
      : before >= QUEUED_MENTION_S
        ? `, queued ${before.toFixed(2)}s`
        : '';
  if (task.kind === 'child') {
    const child = children.get(task.name);
    const inside = child ? `: ${taskTotals(taskSpans(child))}` : '';
    return `child ${task.name.split('/').at(-1)} ${seconds(task.ran).toFixed(2)}s${wait}${inside}`;
  }
  const trainer = (task.input as { trainer?: { name?: string } } | undefined)?.trainer?.name;
  return `${task.name}${trainer ? ` ${trainer}` : ''} ${seconds(task.ran).toFixed(2)}s${wait}`;
};

/** Prints the table; returns the stages. */
export const printStages = (
  history: History,
  children: ReadonlyMap<string, History>,
): StageSpan[] => {
  const stages = stageSpans(history);
  const tasks = taskSpans(history);
  const total = seconds(workflowSpan(history));
  const rows = stages.map((stage) => [
    stage.stage,
    seconds(stage).toFixed(2),
    `${((100 * seconds(stage)) / total).toFixed(0)}%`,
    tasks
      .filter((t) => t.waited.fromMs >= stage.fromMs && t.waited.fromMs < stage.toMs)
      .map((t) => describe(t, children))
      .join('; '),
  ]);
  rows.push(['total', total.toFixed(2), '100%', 'workflow start to close']);
  const header = ['stage', 'wall s', 'share', 'what ran in it (run time)'];
  // The last column is left as it is: only the first three are aligned.
  const widths = header
    .slice(0, 3)
    .map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  [header, ...rows].forEach((row) => console.log(`    ${line(row)}`));
  return stages;
};
