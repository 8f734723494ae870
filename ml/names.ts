// The names users give things, one pattern each: every input check (gRPC, workflows, schedules)
// uses these, so a name one place accepts is accepted everywhere.

/** A feature view's name (it names datasets, experiments and models): lower-case snake case. */
export const VIEW_NAME = /^[a-z][a-z0-9_]{0,62}$/;

/** A registered model's name, as MLflow's registry and Temporal ids can carry it. */
export const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
