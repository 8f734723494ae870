// Hindsight's public front door for a user's project: everything `hindsight.config.ts` and the
// project's own modules import. Nothing else of the package is public (package.json `exports`).
export {
  defineProject,
  ProjectError,
  type Project,
  type ProjectDefinition,
  type TrainerConfig,
} from '../platform/project.js';
export {
  defineFeatureView,
  type FeatureEmitter,
  type FeatureRow,
  type FeatureType,
  type FeatureValue,
  type FeatureView,
  type FeatureViewDefinition,
  type Features,
  type Label,
  type LabelHorizon,
  type LogEvent,
} from '../ml/featureView.js';
export {
  defineAggregate,
  type Aggregate,
  type AggregateDefinition,
  type SnapshotPolicy,
} from '../eventstore/index.js';
export {
  defineUpcasters,
  type Upcaster,
  type UpcastContext,
  type UpcasterDefinitions,
  type UpcasterRegistry,
} from '../eventstore/index.js';
export type { JsonObject, RecordedEvent } from '../eventstore/index.js';
