// View state as JSON, for snapshots. Views may hold Maps and Sets (safe for any key, unlike
// plain objects, where an entity called `__proto__` or `toString` would go wrong); they are
// written as `{"$map": [[key, value], ...]}` and `{"$set": [...]}` and read back as such.

const MAP = '$map';
const SET = '$set';

const isTagged = (value: unknown, tag: string): value is Record<string, unknown[]> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.keys(value).length === 1 &&
  Array.isArray((value as Record<string, unknown>)[tag]);

export const stateToJson = (state: unknown): string =>
  JSON.stringify(state, (_key, value: unknown) =>
    value instanceof Map
      ? { [MAP]: [...value] }
      : value instanceof Set
        ? { [SET]: [...value] }
        : value,
  );

export const stateFromJson = <State>(json: string): State =>
  JSON.parse(json, (_key, value: unknown) =>
    isTagged(value, MAP)
      ? new Map(value[MAP] as [unknown, unknown][])
      : isTagged(value, SET)
        ? new Set(value[SET])
        : value,
  ) as State;
