// The parts of a model artifact that every trainer writes the same way, and their check on load.
import type { FeatureType } from '../featureView.js';
import type { PreprocessingState } from './preprocessing.js';
import { checkSchema, invalidArgument, shown } from './trainingSet.js';
import { MODEL_FORMAT, type JsonValue, type ModelArtifact, type TrainingSet } from './types.js';

export const buildArtifact = (fields: {
  trainer: string;
  params: JsonValue;
  seed: number;
  set: TrainingSet;
  preprocessing: PreprocessingState;
  model: JsonValue;
}): ModelArtifact => {
  const { featureNames, featureTypes } = fields.set;
  return {
    format: MODEL_FORMAT,
    trainer: fields.trainer,
    params: fields.params,
    seed: fields.seed,
    featureNames: [...featureNames],
    featureTypes: Object.fromEntries(
      featureNames.map((name) => [name, featureTypes[name] as FeatureType]),
    ),
    preprocessing: fields.preprocessing,
    model: fields.model,
  };
};

/**
 * An artifact read back (JSON from elsewhere) has the common shape: the format, a schema, and
 * a preprocessing state of exactly its features and types. The model is the trainer's to check.
 */
export const checkArtifact = (artifact: ModelArtifact): void => {
  const what = 'model artifact';
  if (typeof artifact !== 'object' || artifact === null) {
    throw invalidArgument(`${what}: must be an object`);
  }
  const format: unknown = artifact.format;
  if (format !== MODEL_FORMAT) {
    throw invalidArgument(`${what}: format must be '${MODEL_FORMAT}', got ${shown(format)}`);
  }
  if (!Array.isArray(artifact.featureNames)) {
    throw invalidArgument(`${what}: featureNames must be an array`);
  }
  if (typeof artifact.featureTypes !== 'object' || artifact.featureTypes === null) {
    throw invalidArgument(`${what}: featureTypes must be an object`);
  }
  checkSchema(what, artifact.featureNames, artifact.featureTypes);
  const encodings = (artifact.preprocessing as Partial<PreprocessingState> | null)?.features;
  const matches =
    Array.isArray(encodings) &&
    encodings.length === artifact.featureNames.length &&
    encodings.every(
      (encoding, f) =>
        encoding.feature === artifact.featureNames[f] &&
        encoding.type === artifact.featureTypes[encoding.feature],
    );
  if (!matches) {
    throw invalidArgument(`${what}: preprocessing does not match featureNames and featureTypes`);
  }
};
