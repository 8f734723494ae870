// LiveEvaluationWorkflow: follows the log for the model's predictions and their outcomes (a
// projection written exactly once per event), evaluates each window once it can no longer
// change (MLflow metrics, ModelEvaluated), and, when the champion degrades by its policy, starts
// the retraining pipeline: never two at once, never within the cooldown, recording why. It runs
// until stopped, continuing as new when its history grows long (never with a retraining open).
import {
  condition,
  continueAsNew,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { EvaluationActivities } from '../activities/evaluation/index.js';
import type { LiveWindowSummary } from '../activities/evaluation/evaluateLiveWindows.js';
import {
  initialDegradationState,
  observeWindow,
  retrainingFinished,
  type DegradationDecision,
  type DegradationState,
} from '../ml/monitoring/degradationPolicy.js';
import { failureMessage } from './failureMessage.js';
import { liveEvaluationStatusQuery, stopLiveEvaluationSignal } from './messages.js';
import { parseLiveEvaluationInput, type LiveEvaluationInput } from './liveEvaluationInput.js';
import type { RetrainingPipeline } from './retrainingPipeline.js';
import { describeWorkflow } from './searchAttributes.js';
import { WORKFLOW_TYPES } from './workflowTypes.js';
import { checkedInWorkflow } from './inputChecks.js';

/** Histories recorded before live retrains were named by their time replay with the old id. */
export const RETRAIN_ID_PATCH = 'hindsight-retrain-id';

export interface LiveRetraining {
  pipelineId: string;
  startedAt: number;
  reason: string;
  status: 'running' | 'completed' | 'skipped' | 'failed';
  outcome: string | null;
}

/** What continues from one run of the workflow to the next. */
export interface LiveEvaluationCarry {
  nextWindow: number | null;
  degradation: DegradationState;
  retrainings: LiveRetraining[];
  recent: LiveWindowSummary[];
  totals: { events: number; predictions: number; labelled: number; windows: number };
  lastDecision: DegradationDecision | null;
}

export interface LiveEvaluationStatus extends LiveEvaluationCarry {
  name: string;
  modelName: string;
  view: string;
  stage: 'following' | 'stopped';
  championVersion: string | null;
  caughtUpAt: number | null;
  pending: number;
}

/** Windows kept for the status (and the console's chart). */
const RECENT_WINDOWS = 96;
const RETRAININGS_KEPT = 20;

const { advanceLiveEvaluation, evaluateLiveWindows, liveChampion, recordRetrainingTriggered } =
  proxyActivities<EvaluationActivities>({
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: '1 minute',
    // Capped at 5 s: after PostgreSQL or MLflow come back, evaluation resumes within seconds.
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5s' },
  });

export async function LiveEvaluationWorkflow(
  raw: LiveEvaluationInput,
  carried?: LiveEvaluationCarry,
): Promise<LiveEvaluationStatus> {
  const input = checkedInWorkflow(() => parseLiveEvaluationInput(raw));
  describeWorkflow({
    kind: 'live-evaluation',
    view: input.view,
    model: input.modelName,
    summary: `live evaluation of ${input.modelName} on ${input.view}`,
  });
  const { workflowId } = workflowInfo();
  const ref = { name: input.name, modelName: input.modelName, view: input.view };
  const carry: LiveEvaluationCarry = carried ?? {
    nextWindow: null,
    degradation: initialDegradationState(),
    retrainings: [],
    recent: [],
    totals: { events: 0, predictions: 0, labelled: 0, windows: 0 },
    lastDecision: null,
  };
  const status: LiveEvaluationStatus = {
    ...carry,
    ...ref,
    stage: 'following',
    championVersion: null,
    caughtUpAt: null,
    pending: 0,
  };
  const sync = (): void => {
    Object.assign(status, carry);
  };
  let stopping = false;
  let retraining: Promise<void> | null = null;
  setHandler(stopLiveEvaluationSignal, () => {
    stopping = true;
  });
  setHandler(liveEvaluationStatusQuery, () => status);

  const startRetraining = async (reason: string, championVersion: string): Promise<void> => {
    const at = carry.degradation.lastRetrainingAt ?? Date.now();
    // A child named by its kind and its time (`…/pipeline-2026-12-07T20:01:02.345Z`); retrains
    // started before the one naming scheme were `…/retrain-<epoch ms>`.
    const pipelineId = patched(RETRAIN_ID_PATCH)
      ? `${workflowId}/pipeline-${new Date(at).toISOString()}`
      : `${workflowId}/retrain-${at}`;
    await recordRetrainingTriggered({
      name: input.name,
      modelName: input.modelName,
      championVersion,
      pipelineId,
      reason,
      metric: input.policy?.metric ?? '',
      windows: carry.degradation.degradedWindows.map((w) => ({ ...w })),
    });
    const entry: LiveRetraining = {
      pipelineId,
      startedAt: Date.now(),
      reason,
      status: 'running',
      outcome: null,
    };
    carry.retrainings = [...carry.retrainings, entry].slice(-RETRAININGS_KEPT);
    const child = await startChild<typeof RetrainingPipeline>(WORKFLOW_TYPES.RetrainingPipeline, {
      workflowId: pipelineId,
      args: [{ ...input.retraining, view: input.view, modelName: input.modelName }],
      // It outlives a continue-as-new or a stop of this workflow.
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
    retraining = child.result().then(
      (result) => {
        entry.status = result.status;
        entry.outcome = result.promotion?.outcome ?? result.progress.note;
      },
      (error: unknown) => {
        entry.status = 'failed';
        entry.outcome = failureMessage(error);
      },
    );
    void retraining.finally(() => {
      carry.degradation = retrainingFinished(carry.degradation);
      retraining = null;
      sync();
    });
  };

  const judge = async (windows: readonly LiveWindowSummary[]): Promise<void> => {
    const { policy } = input;
    const champion = await liveChampion({ modelName: input.modelName });
    status.championVersion = champion.version;
    if (!policy || champion.version === null) return;
    for (const window of windows) {
      const figures = window.versions.find((v) => v.modelVersion === champion.version);
      if (!figures) continue;
      const { state, decision } = observeWindow(policy, carry.degradation, {
        championVersion: champion.version,
        validationValue: champion.validation[policy.metric] ?? null,
        window: {
          windowStart: window.start,
          labelled: figures.labelled,
          value: figures[policy.metric as keyof typeof figures] as number | null,
        },
        now: Date.now(),
      });
      carry.degradation = state;
      carry.lastDecision = decision;
      if (decision.retrain) await startRetraining(decision.reason, champion.version);
    }
  };

  for (;;) {
    const advanced = await advanceLiveEvaluation({ ...ref, maxEvents: input.eventsPerAdvance });
    carry.totals.events += advanced.events;
    carry.totals.predictions += advanced.predictions;
    carry.totals.labelled += advanced.labelled;
    status.pending = advanced.pending;
    if (advanced.caughtUpAt !== null) {
      status.caughtUpAt = advanced.caughtUpAt;
      const evaluated = await evaluateLiveWindows({
        ...ref,
        windowMs: input.windowMs,
        labelHorizonMs: input.labelHorizonMs,
        fromWindow: carry.nextWindow,
        asOf: advanced.caughtUpAt - input.graceMs,
      });
      carry.nextWindow = evaluated.nextWindow;
      if (evaluated.windows.length > 0) {
        carry.totals.windows += evaluated.windows.length;
        carry.recent = [...carry.recent, ...evaluated.windows].slice(-RECENT_WINDOWS);
        await judge(evaluated.windows);
      }
    }
    sync();
    if (stopping) break;
    if (!advanced.reachedEnd) continue;
    if (workflowInfo().continueAsNewSuggested && retraining === null) {
      await continueAsNew<typeof LiveEvaluationWorkflow>(raw, carry);
    }
    await condition(() => stopping, input.pollMs);
  }
  status.stage = 'stopped';
  return status;
}
