// WORKFLOW_TYPES, which clients start workflows by, names exactly the workflows the worker
// registers (the exports of workflows/index.ts), each by its own name; checked by the compiler.
import { describe, expect, expectTypeOf, it } from 'vitest';
import type * as workflows from '../../workflows/index.js';
import { WORKFLOW_TYPE_NAMES, WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';

type Exports = typeof workflows;
type Registered = {
  [K in keyof Exports]: Exports[K] extends (...args: never[]) => Promise<unknown> ? K : never;
}[keyof Exports];

describe('WORKFLOW_TYPES', () => {
  it('names every registered workflow by its export name, and nothing else', () => {
    expectTypeOf(WORKFLOW_TYPES).toEqualTypeOf<{ readonly [K in Registered]: K }>();
    for (const [key, name] of Object.entries(WORKFLOW_TYPES)) expect(name).toBe(key);
  });

  it('lists them all for the console', () => {
    expect(WORKFLOW_TYPE_NAMES).toEqual(Object.values(WORKFLOW_TYPES));
    expect(WORKFLOW_TYPE_NAMES).not.toContain('TrainingWorkflow');
  });
});
