// The activities of the operations workflows (migrations, undo, snapshots): `short` for quick
// steps, `scanning` for one statement over many rows, `long` for batch loops that heartbeat and
// are retried until they finish.
import { proxyActivities } from '@temporalio/workflow';
import type { OperationsActivities } from '../activities/operations/index.js';
import { SCANNING_ACTIVITY, SHORT_ACTIVITY, backingOff } from './activityTimeouts.js';

export const operationsActivities = (heartbeatTimeoutMs: number) => ({
  short: proxyActivities<OperationsActivities>({
    ...SHORT_ACTIVITY,
    retry: backingOff(10),
  }),
  scanning: proxyActivities<OperationsActivities>({
    ...SCANNING_ACTIVITY,
    retry: backingOff(10),
  }),
  long: proxyActivities<OperationsActivities>({
    startToCloseTimeout: '2 hours',
    heartbeatTimeout: heartbeatTimeoutMs,
    retry: backingOff(),
  }),
});
