// The ordered list of schema migrations. Append new ones; never edit a released one.
import * as eventStore from './0001_event_store.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [{ version: 1, ...eventStore }];
