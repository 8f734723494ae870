// The demo's work order as an aggregate: what an ERP screen shows of one order, folded from its
// stream. Long-running orders gather many events; snapshots keep loading them fast.
import { defineAggregate, type RecordedEvent } from 'hindsight';

export interface WorkOrderState {
  workOrderId: string | null;
  status: 'new' | 'open' | 'assigned' | 'blocked' | 'completed';
  customerId: string | null;
  priority: string | null;
  estimatedHours: number | null;
  dueAt: string | null;
  technicianId: string | null;
  hoursLogged: number;
  sessions: number;
  /** Blocks by reason code (WorkOrderBlocked v2). */
  blocks: Record<string, number>;
  createdAt: number | null;
  completedAt: number | null;
  late: boolean | null;
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const number = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

const evolveWorkOrder = (state: WorkOrderState, event: RecordedEvent): WorkOrderState => {
  const data = event.data;
  switch (event.type) {
    case 'WorkOrderCreated':
      return {
        ...state,
        workOrderId: text(data.workOrderId),
        status: 'open',
        customerId: text(data.customerId),
        priority: text(data.priority),
        estimatedHours: number(data.estimatedHours),
        dueAt: text(data.dueAt),
        createdAt: event.occurredAt,
      };
    case 'WorkOrderAssigned':
      return { ...state, status: 'assigned', technicianId: text(data.technicianId) };
    case 'WorkOrderBlocked': {
      const reason = data.reason as { code?: unknown } | undefined;
      const code = text(reason?.code) ?? 'other';
      return {
        ...state,
        status: 'blocked',
        // Own keys only: a code such as 'constructor' must not find Object.prototype's members.
        blocks: {
          ...state.blocks,
          [code]: (Object.hasOwn(state.blocks, code) ? (state.blocks[code] as number) : 0) + 1,
        },
      };
    }
    case 'WorkOrderUnblocked':
      return { ...state, status: 'assigned' };
    case 'WorkLogged':
      return {
        ...state,
        hoursLogged: Math.round((state.hoursLogged + (number(data.hours) ?? 0)) * 100) / 100,
        sessions: state.sessions + 1,
      };
    case 'WorkOrderCompleted':
      return {
        ...state,
        status: 'completed',
        completedAt: event.occurredAt,
        late: typeof data.late === 'boolean' ? data.late : null,
      };
    default:
      return state;
  }
};

export const workOrderAggregate = defineAggregate<WorkOrderState>({
  type: 'work-order',
  category: 'workorder',
  stateSchemaVersion: 1,
  initialState: () => ({
    workOrderId: null,
    status: 'new',
    customerId: null,
    priority: null,
    estimatedHours: null,
    dueAt: null,
    technicianId: null,
    hoursLogged: 0,
    sessions: 0,
    blocks: {},
    createdAt: null,
    completedAt: null,
    late: null,
  }),
  evolve: evolveWorkOrder,
  policy: { everyEvents: 20, maxLoadMs: 50 },
  code: [text, number],
});
