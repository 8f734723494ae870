// The ordered list of schema migrations. Append new ones; never edit a released one.
// Version 3 is retired: it created the live evaluation projection's tables, which that
// projection now migrates itself (ml/monitoring/liveEvaluationSchema.ts). Databases that recorded
// it keep the record (migrate skips recorded versions it does not list); never reuse 3, the next
// store migration is 5.
import * as eventStore from './0001_event_store.js';
import * as snapshotsAndUpcasting from './0002_snapshots_and_upcasting.js';
import * as quarantine from './0004_quarantine.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  { version: 1, ...eventStore },
  { version: 2, ...snapshotsAndUpcasting },
  { version: 4, ...quarantine },
];
