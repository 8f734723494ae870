// Builders for gRPC NewEvent messages in tests.
import type { NewEvent } from '../../gen/hindsight/v1/eventstore.js';

export const newEvent = (
  type: string,
  data: unknown,
  overrides: Partial<NewEvent> = {},
): NewEvent => ({
  eventId: '',
  type,
  schemaVersion: 0,
  data: Buffer.from(JSON.stringify(data)),
  occurredAtMs: 0,
  correlationId: '',
  causationId: '',
  actor: '',
  metadata: Buffer.alloc(0),
  ...overrides,
});
