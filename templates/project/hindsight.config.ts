// This project's views, for `hindsight --project . server` and `hindsight --project . worker`.
import { defineProject } from 'hindsight';
import { subscriptionChurn } from './src/subscriptionChurn.js';

export default defineProject({
  name: '__NAME__',
  views: [subscriptionChurn],
  trainers: { default: { trainer: 'logistic_regression' } },
});
