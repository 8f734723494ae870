// Which gRPC services need which dependency: while one is down, the health service reports
// NOT_SERVING for the services that need it (and '' , the server as a whole), and the console
// names them. Predict is in Models: it needs the log (PostgreSQL) and the registry (MLflow).

export type Dependency = 'postgres' | 'temporal' | 'mlflow';

export const SERVICE_DEPENDENCIES: Readonly<Record<string, readonly Dependency[]>> = {
  'hindsight.v1.EventStore': ['postgres'],
  'hindsight.v1.Models': ['postgres', 'mlflow'],
  'hindsight.v1.Pipelines': ['temporal'],
  'hindsight.v1.Operations': ['postgres', 'temporal'],
};

/** The services among `served` that need `dependency`. */
export const servicesNeeding = (dependency: Dependency, served: readonly string[]): string[] =>
  served.filter((service) => SERVICE_DEPENDENCIES[service]?.includes(dependency));

/** A service's health status while the dependencies in `down` are down ('' is the server). */
export const healthOf = (
  service: string,
  down: ReadonlySet<Dependency>,
): 'SERVING' | 'NOT_SERVING' => {
  if (service === '') return down.size > 0 ? 'NOT_SERVING' : 'SERVING';
  const needs = SERVICE_DEPENDENCIES[service] ?? [];
  return needs.some((dependency) => down.has(dependency)) ? 'NOT_SERVING' : 'SERVING';
};
