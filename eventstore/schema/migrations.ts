// The ordered list of schema migrations. Append new ones; never edit a released one.
import * as eventStore from './0001_event_store.js';
import * as snapshotsAndUpcasting from './0002_snapshots_and_upcasting.js';
import * as liveEvaluation from './0003_live_evaluation.js';
import * as quarantine from './0004_quarantine.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  { version: 1, ...eventStore },
  { version: 2, ...snapshotsAndUpcasting },
  { version: 3, ...liveEvaluation },
  { version: 4, ...quarantine },
];
