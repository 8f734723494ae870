// Will a subscriber cancel within 30 days? Observed at every usage report, from what the log
// said up to then; labelled 1 by a cancellation within 30 days, 0 when 30 days pass without one.
import { defineFeatureView } from 'hindsight';

const DAY = 86_400_000;

interface Subscriber {
  plan: string;
  startedAt: number;
  sessions: number;
  minutes: number;
  lastUsedAt: number;
}

/** A subscriber's features as of business time `now`: what training rows and Predict both see. */
const featuresOf = (subscriber: Subscriber, now: number) => ({
  plan: subscriber.plan,
  days_subscribed: (now - subscriber.startedAt) / DAY,
  sessions: subscriber.sessions,
  minutes_per_session: subscriber.sessions ? subscriber.minutes / subscriber.sessions : 0,
  days_since_use: (now - subscriber.lastUsedAt) / DAY,
});

export const subscriptionChurn = defineFeatureView({
  name: 'subscription_churn',
  version: 1,
  featureNames: ['plan', 'days_subscribed', 'sessions', 'minutes_per_session', 'days_since_use'],
  featureTypes: { plan: 'string' },
  eventTypes: ['SubscriptionStarted', 'UsageRecorded', 'SubscriptionCancelled'],
  labelHorizon: { within: 30 * DAY, otherwise: 0 },
  initialState: () => new Map<string, Subscriber>(),
  apply: (state, event, emit) => {
    const id = event.streamId;
    const at = event.occurredAt;
    if (event.type === 'SubscriptionStarted') {
      state.set(id, {
        plan: String(event.data.plan),
        startedAt: at,
        sessions: 0,
        minutes: 0,
        lastUsedAt: at,
      });
      return;
    }
    const subscriber = state.get(id);
    if (!subscriber) return;
    if (event.type === 'SubscriptionCancelled') {
      emit.label(id, 1);
      state.delete(id);
      return;
    }
    // UsageRecorded: the features as of the report, before it counts.
    emit.observe(id, featuresOf(subscriber, at));
    subscriber.sessions += 1;
    subscriber.minutes += Number(event.data.minutes);
    subscriber.lastUsedAt = at;
  },
  // Online: Predict scores an active subscriber as of now, batch scoring every one of them.
  featuresNow: (state, id, now) => {
    const subscriber = state.get(id);
    return subscriber ? featuresOf(subscriber, now) : null;
  },
  openEntities: (state) => [...state.keys()].sort(),
  code: [featuresOf],
  constants: { DAY },
});
