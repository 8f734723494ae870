// The demo ERP's schema history. Its first release logged why a work order was blocked as free
// text; the second gives a reason code as well, so reports can group blocks. The generator still
// emits v1 (the legacy system keeps running), reads see v2, and a migration can rewrite the log.
import { defineUpcasters, type JsonObject, type UpcasterDefinitions } from 'hindsight';

export const BLOCK_REASON_CODES: Readonly<Record<string, string>> = {
  'waiting for parts': 'parts',
  'customer unavailable': 'customer',
  'access denied': 'access',
};

/** WorkOrderBlocked v1 `{ workOrderId, reason }` → v2 `{ workOrderId, reason: { code, text } }`. */
export const workOrderBlockedV1ToV2 = (data: JsonObject): JsonObject => {
  const { reason, ...rest } = data;
  if (typeof reason !== 'string') {
    throw new Error(`WorkOrderBlocked v1 needs a text reason, got ${JSON.stringify(reason)}`);
  }
  // Own keys only: a reason such as 'toString' must not find Object.prototype's members.
  const code = Object.hasOwn(BLOCK_REASON_CODES, reason) ? BLOCK_REASON_CODES[reason] : 'other';
  return { ...rest, reason: { code, text: reason } };
};

export const demoUpcasterDefinitions: UpcasterDefinitions = {
  WorkOrderBlocked: { 1: workOrderBlockedV1ToV2 },
};

export const demoUpcasters = () =>
  defineUpcasters(demoUpcasterDefinitions, { constants: { BLOCK_REASON_CODES } });
