// The production stack's wiring (docker-compose.yml, the Dockerfiles, deploy/), read as files and
// checked against the configuration code: a renamed variable, service, port, database or build
// step fails here rather than at `docker compose up`.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configSchema } from '../../config/env.js';
import { projectRoot } from '../../config/paths.js';
import { STAGE_ATTRIBUTE, VIEW_ATTRIBUTE } from '../../workflows/searchAttributeKeys.js';

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | number | { published?: string | number; target: number })[];
  volumes?: (string | { type?: string; source?: string; target: string })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[] };
}

interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const read = (file: string): string => readFileSync(path.join(projectRoot, file), 'utf8');

const compose = parse(read('docker-compose.yml'), { merge: true }) as ComposeFile;
const services = compose.services;
const dockerfile = read('Dockerfile');
const mlflowDockerfile = read('deploy/mlflow.Dockerfile');
const initSql = read('deploy/postgres-init/10-databases.sql');

// The shell's environment at `docker compose up`: only what compose insists on.
const SHELL_ENV: Record<string, string> = { HINDSIGHT_API_TOKEN: 'a-token-of-24-characters' };

/** Compose's interpolation: ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, $$. */
const interpolate = (text: string, env: Record<string, string> = SHELL_ENV): string =>
  text.replace(
    /\$\$|\$\{(\w+)(?:(:?[-?])([^}]*))?\}/g,
    (match: string, name?: string, operator?: string, argument?: string): string => {
      if (match === '$$') return '$';
      const value = env[name!];
      const unset = operator?.startsWith(':') ? !value : value === undefined;
      if (!unset) return value!;
      if (operator?.endsWith('?')) throw new Error(`${name} is required: ${argument}`);
      return operator?.endsWith('-') ? argument! : '';
    },
  );

const service = (name: string): Service => {
  const found = services[name];
  if (!found) throw new Error(`no service ${name} in docker-compose.yml`);
  return found;
};

/** A service's environment as written (before interpolation). */
const rawEnvironment = (name: string): Record<string, string> => {
  const environment = service(name).environment ?? {};
  if (Array.isArray(environment))
    return Object.fromEntries(
      environment.map((entry) => {
        const at = entry.indexOf('=');
        return at < 0 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
      }),
    );
  return Object.fromEntries(
    Object.entries(environment).map(([key, value]) => [key, value === null ? '' : String(value)]),
  );
};

const environment = (name: string): Record<string, string> =>
  Object.fromEntries(
    Object.entries(rawEnvironment(name)).map(([key, value]) => [key, interpolate(value)]),
  );

const listOf = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : value.split(/\s+/);

/** The value after `--flag` (or in `--flag=value`) of a service's command. */
const flag = (name: string, option: string): string | undefined => {
  const args = listOf(service(name).command).map((arg) => interpolate(arg));
  const at = args.indexOf(option);
  if (at >= 0) return args[at + 1];
  return args.find((arg) => arg.startsWith(`${option}=`))?.slice(option.length + 1);
};

interface Published {
  host: number;
  container: number;
}

/** Ports published on the host, short syntax ([ip:]host:container[/proto]) or long. */
const published = (name: string): Published[] =>
  (service(name).ports ?? []).flatMap((port): Published[] => {
    if (typeof port === 'object')
      return port.published === undefined
        ? []
        : [{ host: Number(interpolate(String(port.published))), container: port.target }];
    const match = /^(?:.*:)?(\d+):(\d+)(?:\/\w+)?$/.exec(interpolate(String(port)));
    return match ? [{ host: Number(match[1]), container: Number(match[2]) }] : [];
  });

interface Mount {
  kind: 'named' | 'bind' | 'anonymous';
  source?: string;
  target: string;
}

const mounts = (name: string): Mount[] =>
  (service(name).volumes ?? []).map((volume): Mount => {
    if (typeof volume === 'object') {
      const kind = volume.type === 'bind' ? 'bind' : volume.source ? 'named' : 'anonymous';
      return { kind, source: volume.source, target: volume.target };
    }
    const [first, second] = interpolate(volume).split(':');
    if (second === undefined) return { kind: 'anonymous', target: first! };
    const bind = /^[./~]/.test(first!);
    return { kind: bind ? 'bind' : 'named', source: first, target: second };
  });

const dependencies = (name: string): Record<string, string | undefined> => {
  const dependsOn = service(name).depends_on ?? {};
  return Array.isArray(dependsOn)
    ? Object.fromEntries(dependsOn.map((dependency) => [dependency, undefined]))
    : Object.fromEntries(
        Object.entries(dependsOn).map(([dependency, { condition }]) => [dependency, condition]),
      );
};

/** MLflow's --allowed-hosts patterns, as it matches them (fnmatch when there is a `*`). */
const hostAllowed = (patterns: string[], host: string): boolean =>
  patterns.some((pattern) =>
    pattern.includes('*')
      ? new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(
          host,
        )
      : pattern === host,
  );

const HINDSIGHT = ['server', 'worker'];
const CONFIG_VARIABLES = Object.keys(configSchema.shape);
const REQUIRED_IN_PRODUCTION = [
  'HINDSIGHT_API_TOKEN',
  'DATABASE_URL',
  'TEMPORAL_ADDRESS',
  'MLFLOW_TRACKING_URI',
];

describe('docker-compose.yml', () => {
  it('runs PostgreSQL, Temporal with its UI, MLflow, the server and the worker', () => {
    for (const name of ['postgres', 'temporal', 'temporal-ui', 'mlflow', 'server', 'worker'])
      expect(services, name).toHaveProperty(name);
  });

  it('pins every image it pulls to a version', () => {
    for (const [name, { image, build }] of Object.entries(services)) {
      if (image === undefined) {
        expect(build, `${name} has neither image nor build`).toBeDefined();
        continue;
      }
      expect(image, name).toMatch(/^[\w./-]+:[\w.-]*\d[\w.-]*$/);
      expect(image, name).not.toMatch(/:latest$/);
    }
    expect(service('temporal').image).toMatch(/^temporalio\/auto-setup:/);
    expect(service('temporal-ui').image).toMatch(/^temporalio\/ui:/);
  });

  it('builds the server and the worker from the root Dockerfile, with their commands', () => {
    for (const name of HINDSIGHT) {
      const { build } = service(name);
      const context = typeof build === 'string' ? build : build?.context;
      const file = typeof build === 'object' ? (build.dockerfile ?? 'Dockerfile') : 'Dockerfile';
      expect(path.resolve(projectRoot, context ?? '-'), name).toBe(projectRoot);
      expect(file, name).toBe('Dockerfile');
      expect(listOf(service(name).command), name).toEqual([name]);
    }
  });

  it('publishes the gRPC API, the console, the Temporal UI and MLflow', () => {
    expect(published('server')).toEqual(
      expect.arrayContaining([
        { host: 50051, container: 50051 },
        { host: 8080, container: 8080 },
      ]),
    );
    expect(published('temporal-ui')).toContainEqual({ host: 8233, container: 8080 });
    expect(published('mlflow')).toContainEqual({ host: 5000, container: 5000 });
    const server = environment('server');
    const targets = published('server').map(({ container }) => container);
    expect(targets).toContain(Number(server.HINDSIGHT_GRPC_PORT));
    expect(targets).toContain(Number(server.HINDSIGHT_HTTP_PORT));
  });

  it('sets on the server and the worker only variables the configuration knows, valid ones', () => {
    for (const name of HINDSIGHT) {
      for (const variable of Object.keys(rawEnvironment(name)))
        expect(CONFIG_VARIABLES, `${name}: ${variable}`).toContain(variable);
      const result = configSchema.safeParse(environment(name));
      expect(result.error?.issues ?? [], name).toEqual([]);
    }
  });

  it('sets every variable production needs on the server and the worker; the token is required', () => {
    for (const name of HINDSIGHT) {
      const raw = rawEnvironment(name);
      for (const variable of REQUIRED_IN_PRODUCTION)
        expect(environment(name)[variable], `${name}: ${variable}`).toBeTruthy();
      expect(raw.HINDSIGHT_API_TOKEN, name).toMatch(/^\$\{HINDSIGHT_API_TOKEN:\?[^}]+\}$/);
      expect(() => interpolate(raw.HINDSIGHT_API_TOKEN!, {}), name).toThrow(/HINDSIGHT_API_TOKEN/);
    }
  });

  it('points the server and the worker at the postgres, temporal and mlflow services', () => {
    const postgres = environment('postgres');
    const temporal = environment('temporal');
    const mlflowPort = flag('mlflow', '--port');
    for (const name of HINDSIGHT) {
      const env = environment(name);
      const database = new URL(env.DATABASE_URL!);
      expect(database.hostname, name).toBe('postgres');
      expect(database.port || '5432', name).toBe('5432');
      expect(database.username, name).toBe(postgres.POSTGRES_USER);
      expect(decodeURIComponent(database.password), name).toBe(postgres.POSTGRES_PASSWORD);
      expect(database.pathname, name).toBe(`/${postgres.POSTGRES_DB}`);

      expect(env.TEMPORAL_ADDRESS, name).toBe('temporal:7233');
      expect(env.TEMPORAL_NAMESPACE, name).toBe(temporal.DEFAULT_NAMESPACE);
      expect(env.TEMPORAL_NAMESPACE, name).toBe(environment('temporal-setup').TEMPORAL_NAMESPACE);

      const mlflow = new URL(env.MLFLOW_TRACKING_URI!);
      expect(mlflow.hostname, name).toBe('mlflow');
      expect(mlflow.port, name).toBe(mlflowPort);
    }
    // One task queue: the server starts workflows where the workers poll.
    expect(environment('worker').HINDSIGHT_TASK_QUEUE).toBe(
      environment('server').HINDSIGHT_TASK_QUEUE,
    );
    expect(environment('temporal-ui').TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(environment('temporal-setup').TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it("links the console to the UIs' published addresses", () => {
    const server = environment('server');
    const temporalUi = new URL(server.HINDSIGHT_TEMPORAL_UI_URL!);
    const mlflowUi = new URL(server.HINDSIGHT_MLFLOW_UI_URL!);
    expect(temporalUi.hostname).toBe('localhost');
    expect(mlflowUi.hostname).toBe('localhost');
    expect(published('temporal-ui').map(({ host }) => host)).toContain(Number(temporalUi.port));
    expect(published('mlflow').map(({ host }) => host)).toContain(Number(mlflowUi.port));
    // Overridable from the shell.
    expect(rawEnvironment('server').HINDSIGHT_TEMPORAL_UI_URL).toMatch(
      /^\$\{HINDSIGHT_TEMPORAL_UI_URL:-/,
    );
    expect(rawEnvironment('server').HINDSIGHT_MLFLOW_UI_URL).toMatch(
      /^\$\{HINDSIGHT_MLFLOW_UI_URL:-/,
    );
    // A dataset's MLflow source (made by the worker) points at the same address.
    expect(environment('worker').HINDSIGHT_MLFLOW_UI_URL).toBe(server.HINDSIGHT_MLFLOW_UI_URL);
  });

  it('gives the worker a writable work folder on a volume', () => {
    const workDir = environment('worker').HINDSIGHT_WORK_DIR;
    expect(workDir).toBeTruthy();
    expect(mounts('worker').map(({ target }) => target)).toContain(workDir);
  });

  it('names only existing services in depends_on, and health only where there is a check', () => {
    for (const [name] of Object.entries(services))
      for (const [dependency, condition] of Object.entries(dependencies(name))) {
        expect(services, `${name} depends on ${dependency}`).toHaveProperty(dependency);
        if (condition === 'service_healthy')
          expect(service(dependency).healthcheck?.test, dependency).toBeDefined();
      }
    for (const name of HINDSIGHT)
      expect(dependencies(name), name).toMatchObject({
        postgres: 'service_healthy',
        temporal: 'service_healthy',
        'temporal-setup': 'service_completed_successfully',
        mlflow: 'service_healthy',
      });
  });

  it('declares every named volume and mounts only files that exist', () => {
    const declared = Object.keys(compose.volumes ?? {});
    for (const name of Object.keys(services))
      for (const mount of mounts(name)) {
        if (mount.kind === 'named')
          expect(declared, `${name}: ${mount.source}`).toContain(mount.source);
        if (mount.kind === 'bind')
          expect(existsSync(path.resolve(projectRoot, mount.source!)), mount.source).toBe(true);
      }
    expect(mounts('postgres')).toContainEqual(
      expect.objectContaining({ kind: 'named', target: '/var/lib/postgresql/data' }),
    );
  });

  it("checks the server's health on the console's /api/health", () => {
    const test = listOf(service('server').healthcheck?.test).join(' ');
    expect(test).toContain(
      `http://127.0.0.1:${environment('server').HINDSIGHT_HTTP_PORT}/api/health`,
    );
  });
});

describe('PostgreSQL of the stack', () => {
  it('creates the databases and roles that Temporal and MLflow connect with', () => {
    const postgres = environment('postgres');
    const temporal = environment('temporal');
    const backend = new URL(flag('mlflow', '--backend-store-uri')!);

    expect(mounts('postgres')).toContainEqual({
      kind: 'bind',
      source: './deploy/postgres-init',
      target: '/docker-entrypoint-initdb.d',
    });
    const databases = [temporal.DBNAME, temporal.VISIBILITY_DBNAME, backend.pathname.slice(1)];
    expect(new Set(databases).size).toBe(3);
    for (const database of databases) {
      expect(database).not.toBe(postgres.POSTGRES_DB);
      expect(initSql).toMatch(new RegExp(`CREATE DATABASE ${database} OWNER \\w+`));
    }
    expect(initSql).toContain(`CREATE DATABASE ${temporal.DBNAME} OWNER ${temporal.POSTGRES_USER}`);
    expect(initSql).toContain(
      `CREATE DATABASE ${backend.pathname.slice(1)} OWNER ${backend.username}`,
    );

    // Each role's password comes from the postgres container's environment, the same value the
    // client is given.
    const passwordVariable = (role: string): string =>
      new RegExp(`ALTER ROLE ${role} WITH [^;]*PASSWORD :'(\\w+)'`).exec(initSql)?.[1] ?? '';
    const envVariable = (psqlVariable: string): string =>
      new RegExp(`\\\\getenv ${psqlVariable} (\\w+)`).exec(initSql)?.[1] ?? '-';
    expect(postgres[envVariable(passwordVariable(temporal.POSTGRES_USER!))]).toBe(
      temporal.POSTGRES_PWD,
    );
    expect(postgres[envVariable(passwordVariable(backend.username))]).toBe(backend.password);
  });

  it('runs Temporal on it with the postgres12 plugin', () => {
    expect(environment('temporal')).toMatchObject({
      DB: 'postgres12',
      DB_PORT: '5432',
      POSTGRES_SEEDS: 'postgres',
    });
  });
});

describe('Temporal search attributes', () => {
  it('registers the keyword attributes the workflows use, once Temporal is healthy', () => {
    const setup = service('temporal-setup');
    expect(setup.image).toMatch(/^temporalio\/admin-tools:/);
    expect(dependencies('temporal-setup')).toMatchObject({ temporal: 'service_healthy' });
    const script = mounts('temporal-setup').find(({ kind }) => kind === 'bind');
    expect(script?.source).toBe('./deploy/temporal/create-search-attributes.sh');
    expect(listOf(setup.entrypoint)).toContain(script?.target);

    const text = read('deploy/temporal/create-search-attributes.sh');
    for (const key of [VIEW_ATTRIBUTE, STAGE_ATTRIBUTE]) {
      expect(key.type).toBe('KEYWORD');
      expect(text).toContain(key.name);
    }
    expect(text).toMatch(/search-attribute create[^;]*--type Keyword/);
    expect(text).toContain('already exists');
  });
});

describe('MLflow of the stack', () => {
  it('builds the version requirements.txt pins, with the PostgreSQL driver', () => {
    const build = service('mlflow').build;
    expect(
      typeof build === 'object' && path.join(build.context ?? '', build.dockerfile ?? ''),
    ).toBe('deploy/mlflow.Dockerfile');
    const pinned = /^mlflow==(\S+)$/m.exec(read('requirements.txt'))?.[1];
    expect(pinned).toBeTruthy();
    expect(mlflowDockerfile).toMatch(/^FROM python:3\.11[\w.-]*-slim/m);
    expect(mlflowDockerfile).toContain(`ARG MLFLOW_VERSION=${pinned}\n`);
    expect(mlflowDockerfile).toContain('"mlflow==${MLFLOW_VERSION}"');
    expect(mlflowDockerfile).toMatch(/ARG PSYCOPG2_VERSION=\d+\.\d+\.\d+\n/);
    expect(mlflowDockerfile).toContain('"psycopg2-binary==${PSYCOPG2_VERSION}"');
  });

  it('keeps runs in PostgreSQL and serves artifacts from a volume', () => {
    const backend = new URL(flag('mlflow', '--backend-store-uri')!);
    // SQLAlchemy 2.1 reads a bare postgresql:// as psycopg 3, which the image does not have.
    expect(backend.protocol).toBe('postgresql+psycopg2:');
    expect(backend.hostname).toBe('postgres');
    expect(flag('mlflow', '--host')).toBe('0.0.0.0');
    expect(listOf(service('mlflow').command)).toContain('--serve-artifacts');
    const artifacts = flag('mlflow', '--artifacts-destination');
    expect(mounts('mlflow')).toContainEqual({
      kind: 'named',
      source: 'mlartifacts',
      target: artifacts,
    });
  });

  it("answers the Host headers of the server, the worker and the console's links", () => {
    const allowed = (flag('mlflow', '--allowed-hosts') ?? '').split(',');
    for (const name of HINDSIGHT)
      expect(hostAllowed(allowed, new URL(environment(name).MLFLOW_TRACKING_URI!).host)).toBe(true);
    expect(hostAllowed(allowed, new URL(environment('server').HINDSIGHT_MLFLOW_UI_URL!).host)).toBe(
      true,
    );
    expect(hostAllowed(allowed, 'evil.example.com')).toBe(false);
  });
});

describe('Dockerfile', () => {
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const runtime = stages.at(-1) ?? '';
  const esbuildArgs = (text: string): string[] =>
    (/npx esbuild ((?:[^\n\\]|\\\n)+)/.exec(text)?.[1] ?? '')
      .replace(/\\\n/g, ' ')
      .split(/\s+/)
      .filter((arg) => arg.startsWith('-') || arg.endsWith('.ts'))
      .sort();

  it('builds what make build does', () => {
    expect(dockerfile).toContain('npx buf generate');
    expect(dockerfile).toContain('npx tsc -p tsconfig.build.json');
    expect(dockerfile).toContain('node dist/runtime/bundleWorkflows.js');
    expect(esbuildArgs(dockerfile)).toContain('--outfile=dist/web/app.js');
    expect(esbuildArgs(dockerfile)).toEqual(esbuildArgs(read('Makefile')));
  });

  it('ships the build, proto/, bin/ and web/ in a glibc image run by the node user', () => {
    for (const stage of stages) expect(stage).toMatch(/^node:[\d.]+-bookworm-slim\b/);
    expect(runtime).toMatch(/^COPY --from=\w+ \/app\/dist \.\/dist$/m);
    for (const folder of ['proto', 'bin', 'web'])
      expect(runtime).toMatch(new RegExp(`^COPY ${folder} \\./${folder}$`, 'm'));
    expect(runtime).toMatch(/^RUN npm ci --omit=dev\b/m);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^EXPOSE 50051 8080$/m);
    expect(runtime).toMatch(/^ENTRYPOINT \["node", "bin\/hindsight\.js"\]$/m);
    // The work folder the worker writes is the node user's.
    const workDir = environment('worker').HINDSIGHT_WORK_DIR!;
    expect(runtime).toContain(`mkdir -p ${workDir}`);
    expect(runtime).toMatch(new RegExp(`chown -R node:node ${path.dirname(workDir)}`));
  });

  it('leaves dependencies, builds and secrets out of the build context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['node_modules', 'dist', 'gen', '.data', '.venv', '.git', '.env'])
      expect(ignored).toContain(entry);
  });
});
