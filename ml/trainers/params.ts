// Parsing of trainer parameters: a plain object of known keys, each checked, defaults filled.
// Messages name the field and the value: `params.l2: must be a number ≥ 0, got -1`.
import { invalidArgument, shown } from './trainingSet.js';

export interface ParamSpec<T> {
  default: T;
  /** The value if acceptable, else undefined; `expected` describes what is. */
  accept: (value: unknown) => T | undefined;
  expected: string;
}

const finite = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

export const numberAtLeast = (min: number, fallback: number): ParamSpec<number> => ({
  default: fallback,
  accept: (value) => (finite(value) && value >= min ? value : undefined),
  expected: `a number ≥ ${min}`,
});

export const numberAbove = (min: number, fallback: number): ParamSpec<number> => ({
  default: fallback,
  accept: (value) => (finite(value) && value > min ? value : undefined),
  expected: `a number > ${min}`,
});

export const integerBetween = (min: number, max: number, fallback: number): ParamSpec<number> => ({
  default: fallback,
  accept: (value) =>
    Number.isInteger(value) && (value as number) >= min && (value as number) <= max
      ? (value as number)
      : undefined,
  expected: `an integer in [${min}, ${max}]`,
});

export const integerAtLeast = (min: number, fallback: number): ParamSpec<number> => ({
  default: fallback,
  accept: (value) =>
    Number.isSafeInteger(value) && (value as number) >= min ? (value as number) : undefined,
  expected: `an integer ≥ ${min}`,
});

/** `undefined` gives every default; any other non-object, or an unknown key, is refused. */
export const parseParamsObject = <Params extends Record<string, unknown>>(
  input: unknown,
  specs: { [K in keyof Params]: ParamSpec<Params[K]> },
): Params => {
  const given = input ?? {};
  if (typeof given !== 'object' || Array.isArray(given)) {
    throw invalidArgument(`params: must be an object, got ${shown(input)}`);
  }
  const keys = Object.keys(specs);
  for (const key of Object.keys(given)) {
    if (!keys.includes(key)) {
      throw invalidArgument(`params: unknown key '${key}' (known: ${keys.join(', ')})`);
    }
  }
  const values = given as Record<string, unknown>;
  const parsed: Record<string, unknown> = {};
  for (const key of keys) {
    const spec = specs[key] as ParamSpec<unknown>;
    const value = values[key];
    if (value === undefined) {
      parsed[key] = spec.default;
      continue;
    }
    const accepted = spec.accept(value);
    if (accepted === undefined) {
      throw invalidArgument(`params.${key}: must be ${spec.expected}, got ${shown(value)}`);
    }
    parsed[key] = accepted;
  }
  return parsed as Params;
};
