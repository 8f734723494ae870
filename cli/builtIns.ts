// What this build ships besides code paths: the upcasters every store applies and the
// aggregates that snapshots are taken of.
import { createAggregateRegistry, type Aggregate } from '../eventstore/aggregates/aggregate.js';
import { demoUpcasters } from '../demo/demoUpcasters.js';
import { workOrderAggregate } from '../demo/workOrderAggregate.js';

export const builtInUpcasters = demoUpcasters;

export const builtInAggregates = () =>
  createAggregateRegistry([workOrderAggregate as unknown as Aggregate<never>]);
