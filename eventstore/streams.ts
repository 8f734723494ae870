import { NotFoundError } from './errors.js';
import { STREAM_LOCK_NAMESPACE, type Sql } from './sql.js';
import type { StreamInfo } from './types.js';
import { validateStreamId } from './validation.js';

export const getStreamInfo = async (sql: Sql, streamId: string): Promise<StreamInfo> => {
  validateStreamId(streamId);
  const { rows } = await sql.query<StreamInfo>(
    /* sql */ `
    select s.stream_id as "streamId", s.category, s.version, s.archived,
           (extract(epoch from s.created_at) * 1000)::int8 as "createdAt",
           (select (extract(epoch from e.recorded_at) * 1000)::int8 from hindsight.events e
             where e.stream_id = s.stream_id and e.stream_version = 1) as "firstEventAt",
           (select (extract(epoch from e.recorded_at) * 1000)::int8 from hindsight.events e
             where e.stream_id = s.stream_id and e.stream_version = s.version) as "lastEventAt"
      from hindsight.streams s where s.stream_id = $1`,
    [streamId],
  );
  const info = rows[0];
  if (!info) throw new NotFoundError('stream', streamId);
  return info;
};

/** Archives a stream: its events stay for history, further appends are refused. Idempotent. */
export const archiveStream = async (sql: Sql, streamId: string): Promise<{ version: number }> => {
  validateStreamId(streamId);
  // The stream's advisory lock orders the archive with appends in flight.
  const { rows } = await sql.query<{ version: number }>(
    /* sql */ `
    with locked as (select pg_advisory_xact_lock($2, hashtext($1)))
    update hindsight.streams s set archived = true, updated_at = now()
      from locked where s.stream_id = $1
    returning s.version`,
    [streamId, STREAM_LOCK_NAMESPACE],
  );
  const row = rows[0];
  if (!row) throw new NotFoundError('stream', streamId);
  return row;
};
