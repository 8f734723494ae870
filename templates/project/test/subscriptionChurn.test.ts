// The view on a small subscription log: its rows and labels, and Hindsight's leakage checks.
import { checkFutureCanary, checkLeakage, viewRows, type TestEvent } from 'hindsight/testing';
import { describe, expect, it } from 'vitest';
import { subscriptionChurn } from '../src/subscriptionChurn.js';

const DAY = 86_400_000;
const start = Date.UTC(2026, 0, 1);
const events: TestEvent[] = [];
for (let s = 0; s < 8; s += 1) {
  const streamId = `subscription-${s}`;
  events.push({
    streamId,
    type: 'SubscriptionStarted',
    data: { plan: s % 2 ? 'pro' : 'basic' },
    occurredAt: start + s * DAY,
  });
  for (let week = 1; week <= 12; week += 1) {
    events.push({
      streamId,
      type: 'UsageRecorded',
      data: { minutes: 10 + s * week },
      occurredAt: start + s * DAY + week * 7 * DAY,
    });
  }
  // Every third subscriber cancels after its last report.
  if (s % 3 === 0)
    events.push({
      streamId,
      type: 'SubscriptionCancelled',
      occurredAt: start + s * DAY + 90 * DAY,
    });
}
events.sort((a, b) => a.occurredAt - b.occurredAt);

describe('subscription_churn', () => {
  it('observes at each usage report and labels cancellations within 30 days', () => {
    const rows = viewRows(subscriptionChurn, events);
    expect(rows).toHaveLength(8 * 12);
    expect(rows.some((row) => row.label === 1)).toBe(true);
    expect(rows.some((row) => row.label === 0)).toBe(true);
  });

  it('never sees the future', () => {
    expect(checkLeakage(subscriptionChurn, events).observations).toBe(8 * 12);
    const canaries = checkFutureCanary(subscriptionChurn, events, {
      canaries: (trigger) => [
        {
          streamId: trigger.streamId,
          type: 'UsageRecorded',
          data: { minutes: 100_000 },
          occurredAt: trigger.occurredAt,
        },
      ],
    });
    expect(canaries.reachedLater).toBeGreaterThan(0);
  });
});
