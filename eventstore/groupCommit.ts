// Group commit of concurrent appends. An append that arrives while others are being written
// waits for the next group; a group runs in one transaction (append_to_streams), each append
// with its own expected version and its own outcome, so concurrent single-event appends share
// one commit instead of paying for one each. An append alone goes out at once, by itself.
//
// A group never holds two appends to one stream (the second waits for the next group), and
// when a group's statement fails as a whole (say, one event id used in two streams at once),
// each of its appends runs again alone, so one bad append never fails another.
import {
  appendOutcome,
  appendPrepared,
  type AppendRow,
  type PreparedAppend,
} from './appendToStream.js';
import type { Sql } from './sql.js';
import type { AppendResult } from './types.js';

export interface GroupCommitOptions {
  /** Groups written at once; each takes a connection. Default 2. */
  maxInFlight?: number;
  /** Appends per group at most. Default 64. */
  maxGroup?: number;
}

export interface GroupCommit {
  append(append: PreparedAppend): Promise<AppendResult>;
}

interface Waiting {
  append: PreparedAppend;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

const runGroup = async (sql: Sql, group: Waiting[]): Promise<void> => {
  let rows: (AppendRow & { ord: number })[];
  try {
    const result = await sql.query<AppendRow & { ord: number }>({
      name: 'hindsight_append_to_streams',
      text: 'select * from hindsight.append_to_streams($1, $2, $3, $4, $5::jsonb[])',
      values: [
        group.map((w) => w.append.streamId),
        group.map((w) => w.append.category),
        group.map((w) => w.append.expected.kind),
        group.map((w) => (w.append.expected.kind === 'exact' ? w.append.expected.version : null)),
        group.map((w) => w.append.batch),
      ],
    });
    rows = result.rows;
  } catch (error) {
    // Nothing of the group was written: each append again, alone, gets its own answer.
    void error;
    await Promise.all(group.map((w) => appendPrepared(sql, w.append).then(w.resolve, w.reject)));
    return;
  }
  const byOrd = new Map(rows.map((row) => [row.ord, row]));
  await Promise.all(
    group.map((w, index) =>
      appendOutcome(sql, w.append, byOrd.get(index + 1)).then(w.resolve, w.reject),
    ),
  );
};

export const createGroupCommit = (
  sql: Sql,
  { maxInFlight = 2, maxGroup = 64 }: GroupCommitOptions = {},
): GroupCommit => {
  let queue: Waiting[] = [];
  let inFlight = 0;

  const takeGroup = (): Waiting[] => {
    const group: Waiting[] = [];
    const streams = new Set<string>();
    const rest: Waiting[] = [];
    for (const waiting of queue) {
      if (group.length < maxGroup && !streams.has(waiting.append.streamId)) {
        group.push(waiting);
        streams.add(waiting.append.streamId);
      } else rest.push(waiting);
    }
    queue = rest;
    return group;
  };

  const pump = (): void => {
    while (inFlight < maxInFlight && queue.length > 0) {
      const group = takeGroup();
      inFlight += 1;
      const written =
        group.length === 1
          ? appendPrepared(sql, group[0]!.append).then(group[0]!.resolve, group[0]!.reject)
          : runGroup(sql, group);
      void written.finally(() => {
        inFlight -= 1;
        pump();
      });
    }
  };

  return {
    append: (append) =>
      new Promise<AppendResult>((resolve, reject) => {
        queue.push({ append, resolve, reject });
        pump();
      }),
  };
};
