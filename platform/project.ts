// A user's project: the feature views, aggregates, upcasters and trainer configurations of their
// own domain, in a folder they own (`hindsight.config.ts` default-exports `defineProject(...)`).
// Everything is checked at once and every problem is named, so a server or worker never starts
// on a project that would fail later: duplicate names, a view without event types, names the
// platform reserves, an unknown trainer or hyperparameters it refuses.
import { HindsightError } from './errors.js';
import { type AnyAggregate, defineUpcasters, type UpcasterRegistry } from '../eventstore/index.js';
import type { AnyFeatureView } from '../ml/featureView.js';
import { VIEW_NAME } from '../ml/names.js';
import { TRAINERS } from '../ml/trainers/registry.js';
import { PLATFORM_CATEGORIES, PLATFORM_EVENT_TYPES, PLATFORM_STREAM_PREFIX } from './reserved.js';

/** A named configuration of a built-in trainer, e.g. `{ trainer: 'logistic_regression' }`. */
export interface TrainerConfig {
  /** A built-in trainer: `logistic_regression` or `random_forest`. */
  trainer: string;
  /** Its hyperparameters; defaults fill what is left out. */
  params?: Record<string, unknown>;
  /** Default 1. */
  seed?: number;
}

export interface ProjectDefinition {
  /** Lower-case words joined by `-` or `_`, e.g. `shop-churn`: names the project in logs. */
  name: string;
  /** Feature views, each made with `defineFeatureView`, whatever their state. */
  views?: readonly AnyFeatureView[];
  /** Aggregates with their snapshot policies, each made with `defineAggregate`. */
  aggregates?: readonly AnyAggregate[];
  /** The upcasters of the project's event schemas, made with `defineUpcasters`. */
  upcasters?: UpcasterRegistry;
  /**
   * Trainer configurations by name: what `pipeline run --trainer <name>` and the project's
   * pipelines train with. `default` (when given) is what a pipeline without trainers uses.
   */
  trainers?: Readonly<Record<string, TrainerConfig>>;
}

/** A checked project, as the server, the worker and the CLI use it. */
export interface Project {
  readonly name: string;
  readonly views: readonly AnyFeatureView[];
  readonly aggregates: readonly AnyAggregate[];
  readonly upcasters: UpcasterRegistry;
  readonly trainers: Readonly<Record<string, TrainerConfig>>;
  /** Marks a checked project, across copies of this package. */
  readonly [PROJECT_MARK]: true;
}

const PROJECT_MARK = Symbol.for('hindsight.project');
const PROJECT_NAME = /^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$/;
const TRAINER_NAME = /^[a-z][a-z0-9_-]{0,62}$/;
const PROJECT_KEYS = new Set(['name', 'views', 'aggregates', 'upcasters', 'trainers']);

/** A project that cannot be used, with every problem found. */
export class ProjectError extends HindsightError {
  constructor(
    readonly problems: readonly string[],
    where?: string,
  ) {
    super(
      'INVALID_ARGUMENT',
      `${where ? `${where}: ` : ''}the project is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      { reason: 'INVALID_PROJECT' },
    );
    this.name = 'ProjectError';
  }
}

export const isProject = (value: unknown): value is Project =>
  typeof value === 'object' && value !== null && PROJECT_MARK in value;

const describe = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;

const checkViews = (views: unknown, problems: string[]): AnyFeatureView[] => {
  if (views === undefined) return [];
  if (!Array.isArray(views)) {
    problems.push(`views: must be an array of feature views, not ${describe(views)}`);
    return [];
  }
  const seen = new Set<string>();
  const checked: AnyFeatureView[] = [];
  views.forEach((view: unknown, i) => {
    const where = `views[${i}]`;
    const candidate = view as Partial<AnyFeatureView> | null;
    if (typeof candidate !== 'object' || candidate === null || !candidate.codeHash) {
      problems.push(`${where}: is not a feature view: make it with defineFeatureView({ … })`);
      return;
    }
    const name = String(candidate.name);
    if (!VIEW_NAME.test(name)) problems.push(`${where}: '${name}' is not a view name (snake case)`);
    if (seen.has(name)) problems.push(`${where}: a second view named '${name}'`);
    seen.add(name);
    if (!candidate.eventTypes || candidate.eventTypes.length === 0) {
      problems.push(
        `view '${name}': has no eventTypes: list the event types its apply reads (readers ` +
          'filter the log by them)',
      );
    }
    const reserved = (candidate.eventTypes ?? []).filter((t) => PLATFORM_EVENT_TYPES.includes(t));
    if (reserved.length > 0) {
      problems.push(
        `view '${name}': reads ${reserved.join(', ')}, the platform's own event types: a view ` +
          "reads the project's events",
      );
    }
    checked.push(candidate as AnyFeatureView);
  });
  return checked;
};

const checkAggregates = (aggregates: unknown, problems: string[]): AnyAggregate[] => {
  if (aggregates === undefined) return [];
  if (!Array.isArray(aggregates)) {
    problems.push(`aggregates: must be an array of aggregates, not ${describe(aggregates)}`);
    return [];
  }
  const seen = new Set<string>();
  const checked: AnyAggregate[] = [];
  aggregates.forEach((aggregate: unknown, i) => {
    const candidate = aggregate as Partial<AnyAggregate> | null;
    if (typeof candidate !== 'object' || candidate === null || !candidate.codeHash) {
      problems.push(`aggregates[${i}]: is not an aggregate: make it with defineAggregate({ … })`);
      return;
    }
    const type = String(candidate.type);
    if (seen.has(type)) problems.push(`aggregates[${i}]: a second aggregate of type '${type}'`);
    seen.add(type);
    const category = String(candidate.category);
    if (PLATFORM_CATEGORIES.includes(category) || category.startsWith(PLATFORM_STREAM_PREFIX)) {
      problems.push(
        `aggregate '${type}': category '${category}' is the platform's: its streams are ` +
          'written by Hindsight only',
      );
    }
    checked.push(candidate as AnyAggregate);
  });
  return checked;
};

const checkUpcasters = (upcasters: unknown, problems: string[]): UpcasterRegistry => {
  if (upcasters === undefined) return defineUpcasters({});
  const candidate: { codeHash?: unknown; upcast?: unknown } | null =
    typeof upcasters === 'object' ? upcasters : null;
  if (
    candidate === null ||
    typeof candidate.codeHash !== 'string' ||
    typeof candidate.upcast !== 'function'
  ) {
    problems.push('upcasters: must be made with defineUpcasters({ EventType: { 1: v1ToV2 } })');
    return defineUpcasters({});
  }
  const registry = candidate as UpcasterRegistry;
  const reserved = registry.eventTypes.filter((t) => PLATFORM_EVENT_TYPES.includes(t));
  if (reserved.length > 0) {
    problems.push(
      `upcasters: ${reserved.join(', ')} are the platform's event types, not the project's`,
    );
  }
  return registry;
};

const checkTrainers = (
  trainers: unknown,
  problems: string[],
): Readonly<Record<string, TrainerConfig>> => {
  if (trainers === undefined) return {};
  if (typeof trainers !== 'object' || trainers === null || Array.isArray(trainers)) {
    problems.push(
      `trainers: must be an object of named configurations, e.g. { default: { trainer: ` +
        `'logistic_regression' } }, not ${describe(trainers)}`,
    );
    return {};
  }
  const checked: Record<string, TrainerConfig> = {};
  for (const [name, config] of Object.entries(trainers as Record<string, unknown>)) {
    const where = `trainers.${name}`;
    if (!TRAINER_NAME.test(name)) problems.push(`${where}: '${name}' is not a configuration name`);
    const { trainer, params, seed, ...rest } = (config ?? {}) as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) problems.push(`${where}: unknown field ${unknown.join(', ')}`);
    const builtIn = typeof trainer === 'string' ? TRAINERS.get(trainer) : undefined;
    if (!builtIn) {
      problems.push(
        `${where}.trainer: ${JSON.stringify(trainer)} is not a trainer (known: ` +
          `${[...TRAINERS.keys()].join(', ')})`,
      );
      continue;
    }
    try {
      builtIn.parseParams(params ?? {});
    } catch (error) {
      problems.push(`${where}.params: ${(error as Error).message}`);
    }
    if (seed !== undefined && !Number.isSafeInteger(seed)) {
      problems.push(`${where}.seed: must be an integer, not ${JSON.stringify(seed)}`);
    }
    checked[name] = {
      trainer: trainer as string,
      ...(params === undefined ? {} : { params: params as Record<string, unknown> }),
      ...(seed === undefined ? {} : { seed: seed as number }),
    };
  }
  return checked;
};

/**
 * Checks a project's definition and returns it ready for the platform. Throws `ProjectError`
 * naming every problem.
 */
export const defineProject = (definition: ProjectDefinition | Project): Project => {
  if (isProject(definition)) return definition;
  const problems: string[] = [];
  if (typeof definition !== 'object' || definition === null || Array.isArray(definition)) {
    throw new ProjectError([
      `must be an object such as defineProject({ name, views }), not ${describe(definition)}`,
    ]);
  }
  const unknown = Object.keys(definition).filter((key) => !PROJECT_KEYS.has(key));
  if (unknown.length > 0) {
    problems.push(`unknown field ${unknown.join(', ')} (known: ${[...PROJECT_KEYS].join(', ')})`);
  }
  const name = (definition as { name?: unknown }).name;
  if (typeof name !== 'string' || !PROJECT_NAME.test(name) || name.length > 100) {
    problems.push(
      `name: ${JSON.stringify(name)} is not a project name (lower-case words joined by - or _)`,
    );
  }
  const views = checkViews(definition.views, problems);
  const aggregates = checkAggregates(definition.aggregates, problems);
  const upcasters = checkUpcasters(definition.upcasters, problems);
  const trainers = checkTrainers(definition.trainers, problems);
  if (problems.length > 0) throw new ProjectError(problems);
  return Object.freeze({
    name: name as string,
    views: Object.freeze([...views]),
    aggregates: Object.freeze([...aggregates]),
    upcasters,
    trainers: Object.freeze({ ...trainers }),
    [PROJECT_MARK]: true as const,
  });
};
