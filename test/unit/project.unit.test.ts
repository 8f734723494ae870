// defineProject checks a user's project at once and names every problem: duplicate views, a view
// without event types, the platform's reserved names, unknown trainers and bad hyperparameters.
import { describe, expect, it } from 'vitest';
import { defineAggregate } from '../../eventstore/aggregates/aggregate.js';
import { defineUpcasters } from '../../eventstore/upcasting/upcasters.js';
import { defineFeatureView } from '../../ml/featureView.js';
import { defineProject, isProject, ProjectError } from '../../platform/project.js';

const view = (name: string, eventTypes?: string[]) =>
  defineFeatureView({
    name,
    version: 1,
    featureNames: ['orders'],
    ...(eventTypes ? { eventTypes } : {}),
    initialState: () => new Map<string, number>(),
    apply: () => undefined,
  });

const problemsOf = (definition: unknown): readonly string[] => {
  try {
    defineProject(definition as never);
  } catch (error) {
    if (error instanceof ProjectError) return error.problems;
    throw error;
  }
  throw new Error('the project was accepted');
};

describe('defineProject', () => {
  it('accepts a project of its own domain, checked once', () => {
    const project = defineProject({
      name: 'shop-churn',
      views: [view('customer_churn', ['OrderPlaced'])],
      aggregates: [
        defineAggregate({
          type: 'customer',
          category: 'customer',
          stateSchemaVersion: 1,
          initialState: () => ({ orders: 0 }),
          evolve: (state) => ({ orders: state.orders + 1 }),
          policy: { everyEvents: 100 },
        }),
      ],
      upcasters: defineUpcasters({ OrderPlaced: { 1: (data) => ({ ...data, currency: 'EUR' }) } }),
      trainers: { default: { trainer: 'logistic_regression', params: { l2: 2 } } },
    });
    expect(isProject(project)).toBe(true);
    expect(project.views.map((v) => v.name)).toEqual(['customer_churn']);
    expect(project.trainers.default).toEqual({ trainer: 'logistic_regression', params: { l2: 2 } });
    expect(defineProject(project)).toBe(project);
  });

  it('names every problem at once', () => {
    const problems = problemsOf({
      name: 'Shop Churn',
      views: [view('churn', ['OrderPlaced']), view('churn', ['OrderPlaced']), view('lonely'), {}],
      aggregates: [
        defineAggregate({
          type: 'forged',
          category: 'prediction',
          stateSchemaVersion: 1,
          initialState: () => 0,
          evolve: (s: number) => s,
          policy: { everyEvents: 1 },
        }),
      ],
      trainers: {
        default: { trainer: 'xgboost' },
        tuned: { trainer: 'logistic_regression', params: { l2: -1 } },
      },
      colour: 'blue',
    });
    expect(problems).toEqual([
      expect.stringContaining('unknown field colour'),
      expect.stringContaining(`name: "Shop Churn" is not a project name`),
      expect.stringContaining("views[1]: a second view named 'churn'"),
      expect.stringContaining("view 'lonely': has no eventTypes"),
      expect.stringContaining('views[3]: is not a feature view: make it with defineFeatureView'),
      expect.stringContaining("aggregate 'forged': category 'prediction' is the platform's"),
      expect.stringContaining('trainers.default.trainer: "xgboost" is not a trainer'),
      expect.stringContaining('trainers.tuned.params:'),
    ]);
  });

  it('refuses the platform’s own event types in views and upcasters', () => {
    expect(
      problemsOf({
        name: 'p',
        views: [view('promotions', ['ModelPromoted'])],
        upcasters: defineUpcasters({ DatasetGenerated: { 1: (d) => d } }),
      }),
    ).toEqual([
      expect.stringContaining("view 'promotions': reads ModelPromoted"),
      expect.stringContaining('upcasters: DatasetGenerated'),
    ]);
  });

  it('refuses what is not a project definition', () => {
    expect(() => defineProject(null as never)).toThrow(/must be an object/);
    expect(() => defineProject([] as never)).toThrow(/must be an object/);
  });
});
