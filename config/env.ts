// Configuration from environment variables, validated once at start. Every variable the
// platform reads is declared here, with its description: `make docs` writes docs/configuration.md
// from this list (`unset` says what applies when a variable without a default is not set).
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value));

export const configSchema = z
  .object({
    DATABASE_URL: optionalText
      .pipe(
        z
          .string()
          .regex(/^postgres(ql)?:\/\//, 'a postgres:// or postgresql:// URL')
          .optional(),
      )
      .meta({ description: 'PostgreSQL (≥ 14) URL; unset: the embedded PostgreSQL' }),
    HINDSIGHT_DATA_DIR: z
      .string()
      .min(1)
      .default('.data')
      .meta({ description: 'where the embedded PostgreSQL keeps its data' }),
    // The user's project (a folder with hindsight.config.ts); unset: the demo's.
    HINDSIGHT_PROJECT: optionalText.meta({
      description: "the project's folder (its `hindsight.config.ts`); `--project` sets it",
      unset: "the demo's",
    }),
    HINDSIGHT_EMBEDDED_PG_PORT: port
      .default(54329)
      .meta({ description: 'port of the embedded PostgreSQL (127.0.0.1 only)' }),
    HINDSIGHT_PG_POOL_MAX: positiveInt
      .max(1000)
      .default(20)
      .meta({ description: "connections in the server's pool" }),
    HINDSIGHT_GRPC_HOST: z
      .string()
      .min(1)
      .default('0.0.0.0')
      .meta({ description: 'gRPC listen address' }),
    HINDSIGHT_GRPC_PORT: port
      .default(50051)
      .meta({ description: 'gRPC port (`0`: any free port)' }),
    HINDSIGHT_GRPC_MAX_MESSAGE_BYTES: positiveInt
      .min(1024)
      .max(512 * 1024 * 1024)
      .default(4 * 1024 * 1024)
      .meta({ description: 'largest request accepted (larger: `RESOURCE_EXHAUSTED`)' }),
    HINDSIGHT_API_TOKEN: optionalText
      .pipe(z.string().min(16, 'at least 16 characters').optional())
      .meta({
        description:
          'when set (≥ 16 characters), every call but the health check needs `authorization: Bearer <token>`; the CLI sends it too',
      }),
    HINDSIGHT_TLS_CERT_FILE: optionalText.meta({
      description:
        "PEM file of the server's certificate; with `HINDSIGHT_TLS_KEY_FILE` (both set): the server speaks TLS",
    }),
    HINDSIGHT_TLS_KEY_FILE: optionalText.meta({
      description:
        "PEM file of the server's private key; with `HINDSIGHT_TLS_CERT_FILE` (both set): the server speaks TLS",
    }),
    HINDSIGHT_HTTP_HOST: z
      .string()
      .min(1)
      .default('0.0.0.0')
      .meta({ description: "the web console's listen address" }),
    HINDSIGHT_HTTP_PORT: port
      .default(8080)
      .meta({ description: "the web console's port (`0`: any free port)" }),
    HINDSIGHT_TEMPORAL_UI_URL: optionalText
      .pipe(z.url({ protocol: /^https?$/, message: 'an http(s) URL' }).optional())
      .meta({
        description:
          "the Temporal UI's address for the console's links; unset with `TEMPORAL_ADDRESS` set: no links",
        unset: "embedded UI's",
      }),
    HINDSIGHT_MLFLOW_UI_URL: optionalText
      .pipe(z.url({ protocol: /^https?$/, message: 'an http(s) URL' }).optional())
      .meta({
        description:
          "MLflow's address as people reach it: the console's links, and (worker) where datasets' MLflow sources point",
        unset: 'tracking URI',
      }),
    HINDSIGHT_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000).meta({
      description:
        'on SIGTERM/SIGINT, how long calls in flight may finish; then every connection is closed',
    }),
    // Live readers wake on LISTEN; this is the process's safety net (one query, not per reader).
    HINDSIGHT_POLL_INTERVAL_MS: positiveInt.max(60_000).default(5000).meta({
      description:
        'how often a process looks for commits no notification announced (one query for all its live readers)',
    }),
    // Deeper is refused at append (INVALID_ARGUMENT); JSON tools recurse, so keep it modest.
    HINDSIGHT_MAX_JSON_DEPTH: positiveInt.max(1000).default(64).meta({
      description:
        "how deeply an appended event's data and metadata may nest objects and arrays (1–1000); deeper: `INVALID_ARGUMENT`",
    }),
    HINDSIGHT_LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info')
      .meta({ description: '`fatal` … `trace`, `silent`; JSON logs on stderr' }),
    HINDSIGHT_SERVER: z
      .string()
      .min(1)
      .default('localhost:50051')
      .meta({ description: 'CLI: the server to talk to' }),
    HINDSIGHT_TLS_CA_FILE: optionalText.meta({
      description: 'CLI: connect with TLS, trusting this CA',
    }),
    TEMPORAL_ADDRESS: optionalText
      .pipe(
        z
          .string()
          .regex(/^[\w.-]+:\d+$/, 'host:port')
          .optional(),
      )
      .meta({ description: '`host:port` of a Temporal frontend; unset: the embedded dev server' }),
    TEMPORAL_NAMESPACE: z
      .string()
      .min(1)
      .default('default')
      .meta({ description: 'Temporal namespace of the worker and clients' }),
    HINDSIGHT_TEMPORAL_PORT: port
      .default(7233)
      .meta({ description: 'port of the embedded Temporal dev server' }),
    HINDSIGHT_TEMPORAL_UI_PORT: port.default(8233).meta({ description: 'port of its web UI' }),
    MLFLOW_TRACKING_URI: optionalText
      .pipe(z.url({ protocol: /^https?$/, message: 'an http(s) URL' }).optional())
      .meta({
        description:
          '`http(s)://` URL of an MLflow server that proxies artifacts; unset: the embedded one',
      }),
    HINDSIGHT_MLFLOW_PORT: port
      .default(5000)
      .meta({ description: 'port of the embedded MLflow server' }),
    HINDSIGHT_TASK_QUEUE: z
      .string()
      .regex(/^[\w.:-]{1,200}$/, 'letters, digits, _ . : - (at most 200)')
      .default('hindsight')
      .meta({
        description: "the worker's Temporal task queue (and where the CLI starts workflows)",
      }),
    HINDSIGHT_WORK_DIR: optionalText.meta({
      description:
        "the worker's scratch folder (batch files, Parquet assembly); nothing there is needed after a crash",
      unset: '`<data dir>/work`',
    }),
    HINDSIGHT_GIT_COMMIT: optionalText.meta({
      description: "the code's commit for lineage tags (set it in images without git)",
      unset: '`git rev-parse HEAD`',
    }),
  })
  .superRefine((env, ctx) => {
    if (Boolean(env.HINDSIGHT_TLS_CERT_FILE) !== Boolean(env.HINDSIGHT_TLS_KEY_FILE)) {
      ctx.addIssue({
        code: 'custom',
        path: [env.HINDSIGHT_TLS_CERT_FILE ? 'HINDSIGHT_TLS_KEY_FILE' : 'HINDSIGHT_TLS_CERT_FILE'],
        message:
          'HINDSIGHT_TLS_CERT_FILE and HINDSIGHT_TLS_KEY_FILE go together: set both or neither',
      });
    }
  });

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Hides secrets in a value shown back in an error message. */
const shown = (name: string, value: string): string =>
  name.includes('TOKEN') ? '***' : value.replace(/\/\/[^@/]*@/, '//***@');

export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Config => {
  // A variable set to blank text counts as unset, for numbers as for text.
  const set = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''),
  );
  const result = configSchema.safeParse(set);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const name = issue.path.join('.');
      const value = env[name];
      const got = value === undefined ? '' : ` (got '${shown(name, value)}')`;
      return `${name}: ${issue.message}${got}`;
    }),
  );
};

/** Temporal's address: TEMPORAL_ADDRESS, or the embedded dev server's. */
export const temporalAddressOf = (config: Config): string =>
  config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.HINDSIGHT_TEMPORAL_PORT}`;

/** MLflow's tracking URI: MLFLOW_TRACKING_URI, or the embedded server's. */
export const mlflowUriOf = (config: Config): string =>
  config.MLFLOW_TRACKING_URI ?? `http://127.0.0.1:${config.HINDSIGHT_MLFLOW_PORT}`;

/** The Temporal UI: HINDSIGHT_TEMPORAL_UI_URL, the embedded dev server's, or unknown. */
export const temporalUiUrlOf = (config: Config): string | null =>
  config.HINDSIGHT_TEMPORAL_UI_URL ??
  (config.TEMPORAL_ADDRESS ? null : `http://127.0.0.1:${config.HINDSIGHT_TEMPORAL_UI_PORT}`);

/** The MLflow UI: HINDSIGHT_MLFLOW_UI_URL, or the tracking server's own address. */
export const mlflowUiUrlOf = (config: Config): string =>
  (config.HINDSIGHT_MLFLOW_UI_URL ?? mlflowUriOf(config)).replace(/\/+$/, '');

/** The worker's scratch folder: HINDSIGHT_WORK_DIR, or `work` in the data folder. */
export const workDirOf = (config: Config): string =>
  config.HINDSIGHT_WORK_DIR ?? `${config.HINDSIGHT_DATA_DIR}/work`;
