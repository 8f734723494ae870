// Reading Temporal's visibility records, for the Pipelines service and the console alike: times,
// keyword search attributes, and execution statuses as its list queries spell them.

interface Timestamp {
  seconds?: { toNumber(): number } | number | null;
  nanos?: number | null;
}

/** A protobuf timestamp in ms since the epoch; null when absent. */
export const millisOf = (time: unknown): number | null => {
  const t = time as Timestamp | null | undefined;
  return t
    ? (typeof t.seconds === 'number' ? t.seconds : (t.seconds?.toNumber() ?? 0)) * 1000 +
        Math.floor((t.nanos ?? 0) / 1e6)
    : null;
};

/** A keyword search attribute's value: its payload is JSON, a string or a list of them. */
export const keywordOf = (payload: { data?: Uint8Array | null } | null | undefined): string => {
  if (!payload?.data) return '';
  const value = JSON.parse(Buffer.from(payload.data).toString('utf8')) as unknown;
  const first: unknown = Array.isArray(value) ? (value as unknown[])[0] : value;
  return typeof first === 'string' ? first : '';
};

/** `RUNNING` → `Running`, `CONTINUED_AS_NEW` → `ContinuedAsNew`, `CANCELLED` → `Canceled`. */
export const visibilityStatusName = (name: string): string =>
  name
    .toLowerCase()
    .split('_')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('')
    .replace('Cancelled', 'Canceled');
