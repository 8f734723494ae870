// Unit tests of the significance interval on its way through the promotion: the workflow input
// checks it field by field (absent is null), and the decision's tags on the MLflow version.
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { promotionTags } from '../../activities/promotion/tagPromotion.js';
import type { GainInterval } from '../../ml/metrics/pairedBootstrap.js';
import { checkedInWorkflow } from '../../workflows/inputChecks.js';
import { parsePromotionInput } from '../../workflows/promotionInput.js';
import { thrownBy } from '../support/thrown.js';

const INTERVAL: GainInterval = {
  metric: 'rocAuc',
  confidence: 0.95,
  resamples: 1000,
  rows: 412,
  gain: 0.021,
  lower: 0.004,
  upper: 0.038,
  standardError: 0.0087,
};

const input = (interval?: unknown) => ({
  modelName: 'work_order_overrun',
  challenger: { version: '2', metrics: { rocAuc: 0.8 } },
  champion: { version: '1', metrics: { rocAuc: 0.779 } },
  baseline: { rocAuc: 0.5 },
  validationRows: 412,
  datasetDigest: 'ab'.repeat(32),
  ...(interval === undefined ? {} : { interval }),
});

describe('the promotion input’s interval', () => {
  it('is null when absent or null, and copied field by field when given', () => {
    expect(parsePromotionInput(input()).interval).toBeNull();
    expect(parsePromotionInput(input(null)).interval).toBeNull();
    expect(parsePromotionInput(input({ ...INTERVAL, note: 'extra' })).interval).toEqual(INTERVAL);
  });

  it.each<[string, unknown, string]>([
    ['an array', [], 'interval: must be a gain interval ({ metric, confidence, … }) or null'],
    [
      'an unknown metric',
      { ...INTERVAL, metric: 'auc' },
      'interval.metric: "auc" is not a metric name',
    ],
    [
      'a confidence of 95',
      { ...INTERVAL, confidence: 95 },
      'interval.confidence: must be between 0 and 1, both excluded, not 95',
    ],
    [
      'no lower end',
      { ...INTERVAL, lower: undefined },
      'interval.lower: must be a finite number, not undefined',
    ],
    [
      'a NaN gain',
      { ...INTERVAL, gain: Number.NaN },
      'interval.gain: must be a finite number, not NaN',
    ],
    [
      'fractional rows',
      { ...INTERVAL, rows: 1.5 },
      'interval.rows: must be a whole number ≥ 1, not 1.5',
    ],
    [
      'ends the wrong way round',
      { ...INTERVAL, lower: 0.04, upper: 0.01 },
      'interval: lower 0.04 is above upper 0.01',
    ],
    [
      'a negative standard error',
      { ...INTERVAL, standardError: -1 },
      'interval.standardError: must be ≥ 0, not -1',
    ],
  ])('refuses %s, naming the field', (_case, interval, message) => {
    const failure = thrownBy(ApplicationFailure, () =>
      checkedInWorkflow(() => parsePromotionInput(input(interval))),
    );
    expect(failure).toMatchObject({ type: 'INVALID_ARGUMENT', message, nonRetryable: true });
  });
});

describe('promotionTags', () => {
  it('tells the decision and its interval on the version', () => {
    expect(
      promotionTags({
        workflowId: 'pipeline-x/promotion',
        modelName: 'm',
        version: '2',
        outcome: 'promoted',
        decidedBy: 'rules',
        interval: INTERVAL,
      }),
    ).toEqual({
      'hindsight.promotion.outcome': 'promoted',
      'hindsight.promotion.decided_by': 'rules',
      'hindsight.promotion.workflow_id': 'pipeline-x/promotion',
      'hindsight.promotion.metric': 'rocAuc',
      'hindsight.promotion.gain': '0.0210',
      'hindsight.promotion.interval': '0.0040..0.0380 @95%',
    });
  });

  it('leaves the interval tags out when none was computed', () => {
    expect(
      Object.keys(
        promotionTags({
          workflowId: 'w',
          modelName: 'm',
          version: '2',
          outcome: 'rejected',
          decidedBy: 'timeout',
          interval: null,
        }),
      ),
    ).toEqual([
      'hindsight.promotion.outcome',
      'hindsight.promotion.decided_by',
      'hindsight.promotion.workflow_id',
    ]);
  });
});
