// The demo project's upcasters and aggregates (examples/work-orders), for tests and benchmarks;
// the server and worker load whatever project they are given (runtime/project.ts).
import { createAggregateRegistry } from '../eventstore/index.js';
import { demoUpcasters } from '../examples/work-orders/src/demoUpcasters.js';
import { workOrderAggregate } from '../examples/work-orders/src/workOrderAggregate.js';

export const builtInUpcasters = demoUpcasters;

export const builtInAggregates = () => createAggregateRegistry([workOrderAggregate]);
