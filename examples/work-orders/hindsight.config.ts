// The demo's project: an ERP's work orders, and whether an order will overrun its estimate. It
// uses Hindsight's public API only, as any user's project does (`hindsight --project <dir>`).
import { defineProject } from 'hindsight';
import { demoUpcasters } from './src/demoUpcasters.js';
import { workOrderAggregate } from './src/workOrderAggregate.js';
import { workOrderOverrunView } from './src/workOrderOverrunView.js';

export default defineProject({
  name: 'work-orders',
  views: [workOrderOverrunView],
  aggregates: [workOrderAggregate],
  upcasters: demoUpcasters(),
  trainers: {
    default: { trainer: 'logistic_regression' },
    forest: { trainer: 'random_forest', params: { trees: 50, maxDepth: 8 } },
  },
});
