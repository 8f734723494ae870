// A run's artifacts through the server's artifact proxy: uploads streamed from a file or sent
// from memory, downloads into memory or streamed to a file, listings.
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { artifactProxyPath, checkArtifactPath } from './artifactPath.js';
import { invalidParameter } from './errors.js';
import type { MlflowHttp, RequestBody } from './http.js';
import { getRun } from './runs.js';
import type { FileInfo } from './types.js';
import { toFileInfo, type WireFileInfo } from './wire.js';

/** Bytes in memory, or a file streamed from disk (never loaded whole). */
export type ArtifactContent = Uint8Array | { filePath: string };

export interface ArtifactRef {
  runId: string;
  /** Relative to the run's artifact root, e.g. `model/model.json`. */
  path: string;
  /** The deadline of one attempt of the whole transfer; tens of MB need more than a JSON call. */
  timeoutMs?: number;
  /** The run's `info.artifactUri`, when the caller has it: spares looking the run up. */
  artifactUri?: string;
}

export const ARTIFACT_TIMEOUT_MS = 10 * 60_000;
const UPLOAD_CHUNK_BYTES = 1 << 20;

// One small GET per transfer: the run's artifact_uri never changes, but a cache of it would need
// eviction in a long-lived worker, which a tens-of-MB transfer does not justify.
const proxyPathOf = async (
  http: MlflowHttp,
  { runId, path, artifactUri }: ArtifactRef,
): Promise<string> =>
  artifactProxyPath(artifactUri ?? (await getRun(http, runId)).info.artifactUri, path);

export const uploadArtifact = async (
  http: MlflowHttp,
  {
    runId,
    path,
    artifactUri,
    content,
    contentType = 'application/octet-stream',
    timeoutMs = ARTIFACT_TIMEOUT_MS,
  }: ArtifactRef & { content: ArtifactContent; contentType?: string },
): Promise<void> => {
  if (checkArtifactPath(path).length === 0) throw invalidParameter('artifact path is empty');
  const target = await proxyPathOf(http, { runId, path, artifactUri });
  const headers: Record<string, string> = { 'content-type': contentType };
  let body: () => RequestBody;
  if (content instanceof Uint8Array) {
    body = () => content;
  } else {
    // Fails here on a missing file, rather than as a network error that would be retried;
    // the length spares the server a chunked upload.
    headers['content-length'] = String((await stat(content.filePath)).size);
    // A Node stream in 1 MiB chunks: fetch iterates it directly, at half the CPU of a web
    // stream of 64 KiB chunks.
    body = () =>
      createReadStream(content.filePath, {
        highWaterMark: UPLOAD_CHUNK_BYTES,
      }) as AsyncIterable<Uint8Array> as RequestBody;
  }
  await http.send({ method: 'PUT', path: target, body, headers, timeoutMs }, (r) => r.text());
};

export const downloadArtifact = async (
  http: MlflowHttp,
  { runId, path, artifactUri, timeoutMs = ARTIFACT_TIMEOUT_MS }: ArtifactRef,
): Promise<Buffer> => {
  const source = await proxyPathOf(http, { runId, path, artifactUri });
  return http.send({ method: 'GET', path: source, timeoutMs }, async (response) =>
    Buffer.from(await response.arrayBuffer()),
  );
};

/**
 * Streams an artifact to `filePath`. The file appears only when complete (written aside, then
 * renamed), so an interrupted or retried download never leaves a truncated file behind.
 */
export const downloadArtifactToFile = async (
  http: MlflowHttp,
  {
    runId,
    path,
    artifactUri,
    filePath,
    timeoutMs = ARTIFACT_TIMEOUT_MS,
  }: ArtifactRef & { filePath: string },
): Promise<{ bytes: number }> => {
  const source = await proxyPathOf(http, { runId, path, artifactUri });
  return http.send({ method: 'GET', path: source, timeoutMs }, async (response) => {
    if (!response.body) throw new Error(`GET ${source}: answer without a body`);
    const partial = `${filePath}.${randomUUID()}.partial`;
    try {
      await pipeline(
        Readable.fromWeb(response.body as unknown as NodeReadableStream<Uint8Array>),
        createWriteStream(partial),
      );
      await rename(partial, filePath);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    return { bytes: (await stat(filePath)).size };
  });
};

/**
 * Deletes a file or a whole folder of a run's artifacts; deleting what is not there is not an
 * error, so a retried clean-up succeeds.
 */
export const deleteArtifact = async (
  http: MlflowHttp,
  { runId, path, artifactUri, timeoutMs = ARTIFACT_TIMEOUT_MS }: ArtifactRef,
): Promise<void> => {
  if (checkArtifactPath(path).length === 0) throw invalidParameter('artifact path is empty');
  const target = await proxyPathOf(http, { runId, path, artifactUri });
  await http.send({ method: 'DELETE', path: target, timeoutMs }, (r) => r.text());
};

/** The files and folders directly under `path` (the root when omitted). */
export const listArtifacts = async (
  http: MlflowHttp,
  { runId, path }: { runId: string; path?: string },
): Promise<FileInfo[]> => {
  if (path !== undefined) checkArtifactPath(path);
  const files: FileInfo[] = [];
  let pageToken: string | undefined;
  do {
    const page = await http.call<{ files?: WireFileInfo[]; next_page_token?: string }>(
      'GET',
      'artifacts/list',
      { run_id: runId, path: path || undefined, page_token: pageToken },
    );
    files.push(...(page.files ?? []).map(toFileInfo));
    pageToken = page.next_page_token || undefined;
  } while (pageToken);
  return files;
};
