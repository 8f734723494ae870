// Operations on the log itself: snapshots and upcasting migrations.
import { mappingFailures } from '../failures.js';
import * as migrations from './migrations.js';
import * as snapshots from './snapshots.js';

export type OperationsActivityDeps = migrations.MigrationActivityDeps &
  snapshots.SnapshotActivityDeps;

const bind =
  <D, I extends unknown[], O>(deps: D, activity: (deps: D, ...input: I) => Promise<O>) =>
  (...input: I) =>
    activity(deps, ...input);

export const createOperationsActivities = (deps: OperationsActivityDeps) => ({
  planMigration: mappingFailures(bind(deps, migrations.planMigration)),
  beginMigration: mappingFailures(bind(deps, migrations.beginMigration)),
  migrateEvents: mappingFailures(bind(deps, migrations.migrateEvents)),
  verifyMigration: mappingFailures(bind(deps, migrations.verifyMigration)),
  failMigration: mappingFailures(bind(deps, migrations.failMigration)),
  beginUndo: mappingFailures(bind(deps, migrations.beginUndo)),
  undoEvents: mappingFailures(bind(deps, migrations.undoEvents)),
  finishUndo: mappingFailures(bind(deps, migrations.finishUndo)),
  recordMigration: mappingFailures(bind(deps, migrations.recordMigration)),
  snapshotStreams: mappingFailures(bind(deps, snapshots.snapshotStreams)),
  snapshotStats: mappingFailures(bind(deps, snapshots.snapshotStatsOf)),
  pruneSnapshots: mappingFailures(bind(deps, snapshots.pruneSnapshots)),
  listAggregateTypes: mappingFailures(bind(deps, snapshots.listAggregateTypes)),
  recordSnapshotRun: mappingFailures(bind(deps, snapshots.recordSnapshotRun)),
});

export type OperationsActivities = ReturnType<typeof createOperationsActivities>;
