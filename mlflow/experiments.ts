// Experiments: looked up by name, created once.
import { isMlflowError, MlflowError } from './errors.js';
import type { MlflowHttp } from './http.js';
import type { Experiment, Tags } from './types.js';
import { toExperiment, toWireTags, type WireExperiment } from './wire.js';

export interface CreateExperimentInput {
  name: string;
  /** Defaults to the server's artifact root (`mlflow-artifacts:/<id>` with a proxying server). */
  artifactLocation?: string;
  tags?: Tags;
}

/** Raises RESOURCE_DOES_NOT_EXIST when there is none. Finds deleted experiments too. */
export const getExperimentByName = async (http: MlflowHttp, name: string): Promise<Experiment> => {
  const { experiment } = await http.call<{ experiment: WireExperiment }>(
    'GET',
    'experiments/get-by-name',
    { experiment_name: name },
  );
  return toExperiment(experiment);
};

/** Returns the new experiment's id; RESOURCE_ALREADY_EXISTS when the name is taken. */
export const createExperiment = async (
  http: MlflowHttp,
  { name, artifactLocation, tags }: CreateExperimentInput,
): Promise<string> => {
  const { experiment_id } = await http.call<{ experiment_id: string }>(
    'POST',
    'experiments/create',
    { name, artifact_location: artifactLocation, tags: toWireTags(tags) },
  );
  return experiment_id;
};

const findByName = async (http: MlflowHttp, name: string): Promise<Experiment | null> => {
  try {
    return await getExperimentByName(http, name);
  } catch (error) {
    if (isMlflowError(error, 'RESOURCE_DOES_NOT_EXIST')) return null;
    throw error;
  }
};

/**
 * The experiment with this name, created if missing. Safe under concurrency: a creator that
 * loses the race (RESOURCE_ALREADY_EXISTS) reads the winner's. Tags apply only on creation.
 */
export const getOrCreateExperiment = async (
  http: MlflowHttp,
  input: CreateExperimentInput,
): Promise<Experiment> => {
  let experiment = await findByName(http, input.name);
  if (!experiment) {
    try {
      await createExperiment(http, input);
    } catch (error) {
      if (!isMlflowError(error, 'RESOURCE_ALREADY_EXISTS')) throw error;
    }
    experiment = await getExperimentByName(http, input.name);
  }
  // A deleted experiment keeps its name, and runs cannot be created in it.
  if (experiment.lifecycleStage === 'deleted') {
    throw new MlflowError({
      errorCode: 'INVALID_STATE',
      message: `experiment '${input.name}' (id ${experiment.experimentId}) is deleted; restore or rename it`,
      httpStatus: null,
      retryable: false,
    });
  }
  return experiment;
};
