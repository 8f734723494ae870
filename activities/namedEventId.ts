import { createHash } from 'node:crypto';

/**
 * A UUIDv8 derived from a name (e.g. the workflow's id and the event's type): an activity that
 * appends an event and is retried appends the same id, which the store recognises as a repeat.
 */
export const namedEventId = (name: string): string => {
  const hash = createHash('sha256').update(name).digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x80;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};
