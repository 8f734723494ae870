// examples/shop/hindsight.config.ts
import { defineFeatureView, defineProject } from 'hindsight';

const repeatOrder = defineFeatureView({
  name: 'repeat_order', // datasets, experiments and models are named after it
  version: 1,
  featureNames: ['orders', 'spent'],
  eventTypes: ['OrderPlaced'], // the events `apply` reads
  labelHorizon: { within: 30 * 86_400_000, otherwise: 0 }, // no new order in 30 days: 0
  initialState: () => new Map<string, { orders: number; spent: number }>(),
  apply: (state, event, emit) => {
    const seen = state.get(event.streamId) ?? { orders: 0, spent: 0 };
    if (seen.orders > 0) emit.label(event.streamId, 1); // ordered again
    seen.orders += 1;
    seen.spent += Number(event.data.amount);
    state.set(event.streamId, seen);
    emit.observe(event.streamId, { ...seen });
  },
});

export default defineProject({
  name: 'shop',
  views: [repeatOrder],
  trainers: { default: { trainer: 'logistic_regression' } },
});
