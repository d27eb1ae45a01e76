import * as z from 'zod/mini';
import { ContainerSpec, TmpfsSpec, hardenedSecurity } from '../core/container-spec';
import { loadData } from '../core/data';
import { withDigest } from '../core/digest';
import { PASSWORD_FILE_ENV } from '../core/environment';
import { Problems, checkShape, oneOf, Schema } from '../core/problems';
import { Size, gib, mib } from '../core/sizes';

/** Options of the postgres preset. */
export interface PostgresOptions {
  /**
   * Major version; the full tag comes from the reference data (`17` -> `postgres:17.11-bookworm`).
   * @default "17"
   */
  readonly version?: string;
  /**
   * Database created on first start.
   * @default "app"
   */
  readonly database?: string;
  /**
   * Database user (its password is the `postgres_password` secret).
   * @default "app"
   */
  readonly user?: string;
  /**
   * Also pin the image by digest (`sha256:` + 64 hex digits): `name:tag@sha256:...`.
   * @default - tag only
   */
  readonly digest?: string;
}

/** Options of the redis preset. */
export interface RedisOptions {
  /**
   * Minor version line; the full tag comes from the reference data (`7.4` -> `redis:7.4.11-bookworm`).
   * @default "7.4"
   */
  readonly version?: string;
  /**
   * Also pin the image by digest.
   * @default - tag only
   */
  readonly digest?: string;
}

/** Options of the MLflow tracking server preset. */
export interface MlflowOptions {
  /**
   * MLflow release (`ghcr.io/mlflow/mlflow:v<version>`): one the reference data lists, or any
   * release together with `digest`.
   * @default "3.15.2"
   */
  readonly version?: string;
  /**
   * Host port of the tracking UI (on 127.0.0.1).
   * @default 5000
   */
  readonly hostPort?: number;
  /**
   * Also pin the image by digest.
   * @default - tag only
   */
  readonly digest?: string;
}

/** The kinds of backing service. */
export enum BackingServiceKind {
  /** PostgreSQL database. */
  POSTGRES = 'postgres',
  /** Redis cache and queue. */
  REDIS = 'redis',
  /** MLflow tracking server (sqlite store and artifacts on a named volume). */
  MLFLOW = 'mlflow',
}

/** What a backing service gives the app services that use it. */
export interface BackingLink {
  readonly environment: Record<string, string>;
  readonly secrets: string[];
}

/** A resolved backing service: its container and what apps get. */
export interface ResolvedBacking {
  readonly container: ContainerSpec;
  readonly link: BackingLink;
  /** The port it listens on inside the stack, and its port name (the Kubernetes Service's). */
  readonly listen: { readonly name: string; readonly port: number };
  readonly volumes: string[];
  readonly secrets: string[];
  /** How it runs hardened, for the docs. */
  readonly hardening: string;
}

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

interface BackingData {
  readonly services: Record<string, { tags: Record<string, any> }>;
}

/**
 * The runtime shapes of `PostgresOptions`, `RedisOptions` and `MlflowOptions` (test/props-shapes.test.ts
 * holds them to the interfaces).
 */
export const POSTGRES_OPTIONS_SHAPE: Record<string, Schema> = {
  version: z.optional(z.string()),
  database: z.optional(z.string()),
  user: z.optional(z.string()),
  digest: z.optional(z.string()),
};
export const REDIS_OPTIONS_SHAPE: Record<string, Schema> = {
  version: z.optional(z.string()), digest: z.optional(z.string()),
};
export const MLFLOW_OPTIONS_SHAPE: Record<string, Schema> = {
  version: z.optional(z.string()), hostPort: z.optional(z.number()), digest: z.optional(z.string()),
};

/**
 * A backing service preset for the compose stack: pinned image from the reference data,
 * health check, named volume, internal network, credentials through compose secrets.
 * Use the static members (`BackingService.POSTGRES`) or the factories for options.
 */
export class BackingService {
  /** PostgreSQL 17 with database and user `app`. */
  public static readonly POSTGRES = BackingService.postgres();
  /** Redis 7.4 with a password. */
  public static readonly REDIS = BackingService.redis();
  /** MLflow tracking server. */
  public static readonly MLFLOW = BackingService.mlflow();

  /** PostgreSQL with options. */
  public static postgres(options: PostgresOptions = {}): BackingService {
    return new BackingService(BackingServiceKind.POSTGRES, options);
  }

  /** Redis with options. */
  public static redis(options: RedisOptions = {}): BackingService {
    return new BackingService(BackingServiceKind.REDIS, options);
  }

  /** MLflow tracking server with options. */
  public static mlflow(options: MlflowOptions = {}): BackingService {
    return new BackingService(BackingServiceKind.MLFLOW, options);
  }

  /** The preset's kind; also its service name in the stack. */
  public readonly kind: BackingServiceKind;
  private readonly options: Record<string, unknown>;

  private constructor(kind: BackingServiceKind, options: object) {
    this.kind = kind;
    this.options = { ...(options ?? {}) };
  }

  /** The service name in the stack. */
  public get name(): string {
    return this.kind;
  }

  /**
   * Validates the options and renders the container.
   * @internal
   */
  public _resolve(problems: Problems): ResolvedBacking | undefined {
    const field = `backingServices ${this.kind}`;
    const before = problems.count;
    switch (this.kind) {
      case BackingServiceKind.POSTGRES: return this.postgresSpec(problems, field, before);
      case BackingServiceKind.REDIS: return this.redisSpec(problems, field, before);
      default: return this.mlflowSpec(problems, field, before);
    }
  }

  private postgresSpec(problems: Problems, field: string, before: number): ResolvedBacking | undefined {
    const o = this.options as PostgresOptions;
    checkShape(problems, z.strictObject(POSTGRES_OPTIONS_SHAPE), o);
    if (problems.count > before) return undefined;
    const tag = bookwormTag(problems, `${field} version`, 'postgres', o.version ?? '17');
    const db = o.database ?? 'app';
    const user = o.user ?? 'app';
    if (!IDENT.test(db)) problems.add(`${field} database`, db, 'a lowercase sql identifier (letters, digits, "_")');
    if (!IDENT.test(user)) problems.add(`${field} user`, user, 'a lowercase sql identifier (letters, digits, "_")');
    const image = withDigest(problems, `${field} digest`, `postgres:${tag}`, o.digest);
    if (problems.count > before) return undefined;
    // PG 18 moved its volume up one level (PGDATA=/var/lib/postgresql/18/docker).
    const dataDir = Number((o.version ?? '17').split('.')[0]) >= 18 ? '/var/lib/postgresql' : '/var/lib/postgresql/data';
    return {
      container: {
        ...hardenedBase('postgres', image),
        // The image's own user: the entrypoint then skips its chown/gosu steps, which would
        // need CHOWN/SETUID/SETGID under cap_drop ALL. A fresh named volume inherits the
        // image directory's owner (999), so no capability is needed.
        security: hardenedSecurity({ user: { uid: 999, gid: 999 } }),
        environment: { POSTGRES_DB: db, POSTGRES_USER: user, [PASSWORD_FILE_ENV.postgres]: '/run/secrets/postgres_password' },
        healthcheck: { test: ['pg_isready', '-U', user, '-d', db, '-h', '127.0.0.1'], shell: false, interval: 10, timeout: 5, startPeriod: 30, startInterval: 2, retries: 5 },
        tmpfs: [scratch('/tmp', mib(64)), scratch('/var/run/postgresql', mib(16))],
        limits: { memory: gib(1), cpus: 1, pids: 256 },
        volumes: [{ source: 'postgres-data', target: dataDir, readOnly: false, named: true }],
        secrets: ['postgres_password'],
      },
      link: {
        environment: { DATABASE_URL: `postgresql://${user}@postgres:5432/${db}`, [PASSWORD_FILE_ENV.postgres]: '/run/secrets/postgres_password' },
        secrets: ['postgres_password'],
      },
      listen: { name: 'postgres', port: 5432 },
      volumes: ['postgres-data'],
      secrets: ['postgres_password'],
      hardening: 'runs as the image\'s postgres user (999) with no capabilities; reads its password from the postgres_password secret (POSTGRES_PASSWORD_FILE)',
    };
  }

  private redisSpec(problems: Problems, field: string, before: number): ResolvedBacking | undefined {
    const o = this.options as RedisOptions;
    checkShape(problems, z.strictObject(REDIS_OPTIONS_SHAPE), o);
    if (problems.count > before) return undefined;
    const tag = bookwormTag(problems, `${field} version`, 'redis', o.version ?? '7.4');
    const image = withDigest(problems, `${field} digest`, `redis:${tag}`, o.digest);
    if (problems.count > before) return undefined;
    return {
      container: {
        ...hardenedBase('redis', image),
        // The official image has no *_FILE support: write a config file holding the password
        // into the tmpfs and start from it, so the password is never a process argument.
        security: hardenedSecurity({ user: { uid: 999, gid: 999 } }),
        command: ['sh', '-c', 'umask 077 && printf \'requirepass "%s"\\n\' "$(cat /run/secrets/redis_password)" > /tmp/redis.conf && exec redis-server /tmp/redis.conf --dir /data --appendonly yes'],
        healthcheck: { test: ['REDISCLI_AUTH="$(cat /run/secrets/redis_password)" redis-cli ping | grep -q PONG'], shell: true, interval: 10, timeout: 5, startPeriod: 10, startInterval: 2, retries: 5 },
        limits: { memory: mib(512), cpus: 1, pids: 128 },
        volumes: [{ source: 'redis-data', target: '/data', readOnly: false, named: true }],
        secrets: ['redis_password'],
      },
      link: {
        environment: { REDIS_URL: 'redis://redis:6379/0', [PASSWORD_FILE_ENV.redis]: '/run/secrets/redis_password' },
        secrets: ['redis_password'],
      },
      listen: { name: 'redis', port: 6379 },
      volumes: ['redis-data'],
      secrets: ['redis_password'],
      hardening: 'runs as the image\'s redis user (999) with no capabilities; the password comes from the redis_password secret through a config file written to its tmpfs',
    };
  }

  private mlflowSpec(problems: Problems, field: string, before: number): ResolvedBacking | undefined {
    const o = this.options as MlflowOptions;
    checkShape(problems, z.strictObject(MLFLOW_OPTIONS_SHAPE), o);
    if (problems.count > before) return undefined;
    const version = o.version ?? '3.15.2';
    const known = mlflowReleases();
    if (!/^\d+\.\d+\.\d+$/.test(version)) {
      problems.add(`${field} version`, version, 'a full mlflow release such as "3.15.2" (never latest)');
    } else if (!known.includes(version) && o.digest === undefined) {
      // Only releases in the reference data are known to have an image; any other needs a
      // digest, which pins what was actually pulled.
      problems.add(`${field} version has no image in the reference data`, version, `one of: ${oneOf(known)}, or another release pinned with digest`);
    }
    const hostPort = o.hostPort ?? 5000;
    if (!(Number.isInteger(hostPort) && hostPort >= 1 && hostPort <= 65535)) problems.add(`${field} hostPort`, o.hostPort, 'an integer from 1 to 65535');
    const image = withDigest(problems, `${field} digest`, `ghcr.io/mlflow/mlflow:v${version}`, o.digest);
    if (problems.count > before) return undefined;
    return {
      container: {
        ...hardenedBase('mlflow', image),
        // The image has no user of its own and no psycopg2: it runs as root without any
        // capability, with a sqlite store and the artifacts on its named volume.
        command: ['mlflow', 'server', '--host', '0.0.0.0', '--port', '5000',
          '--backend-store-uri', 'sqlite:////mlflow/mlflow.db', '--artifacts-destination', '/mlflow/artifacts'],
        environment: { HOME: '/tmp', MLFLOW_SERVER_ALLOWED_HOSTS: 'mlflow:*,mlflow,localhost:*,127.0.0.1:*' },
        ports: [{ container: 5000, host: hostPort, public: false }],
        healthcheck: {
          test: ['python', '-c', 'import sys, urllib.request; sys.exit(0 if urllib.request.urlopen("http://127.0.0.1:5000/health", timeout=4).status == 200 else 1)'],
          shell: false,
          interval: 15,
          timeout: 5,
          startPeriod: 60,
          startInterval: 2,
          retries: 5,
        },
        limits: { memory: gib(2), cpus: 1, pids: 256 },
        volumes: [{ source: 'mlflow-data', target: '/mlflow', readOnly: false, named: true }],
      },
      link: { environment: { MLFLOW_TRACKING_URI: 'http://mlflow:5000' }, secrets: [] },
      listen: { name: 'http', port: 5000 },
      volumes: ['mlflow-data'],
      secrets: [],
      hardening: 'the image has no non-root user: it runs as root with every capability dropped and no-new-privileges, on a read-only root; sqlite store and artifacts on the mlflow-data volume',
    };
  }
}

/** The parts every backing service shares: hardening on, internal network only. */
function hardenedBase(name: string, image: string): ContainerSpec {
  return {
    name,
    path: '',
    image,
    imageIsBuilt: false,
    workload: 'server',
    ports: [],
    environment: {},
    security: hardenedSecurity(),
    tmpfs: [scratch('/tmp', mib(64))],
    limits: { memory: mib(512), cpus: 1, pids: 256 },
    volumes: [],
    secrets: [],
    dependsOn: [],
  };
}

/** MLflow releases whose images the reference data lists, newest first. */
function mlflowReleases(): string[] {
  const releases: Array<{ version: string }> = loadData<BackingData>('backing-images.json').services.mlflow.tags.recentReleases ?? [];
  return releases.map((r) => r.version).filter((v) => /^\d+\.\d+\.\d+$/.test(v));
}

/** The pinned bookworm tag of an official image's version line, from the reference data. */
function bookwormTag(problems: Problems, field: string, image: string, version: unknown): string | undefined {
  const tags = loadData<BackingData>('backing-images.json').services[image].tags;
  const lines = Object.keys(tags).filter((k) => !k.startsWith('_') && !k.includes(' ') && typeof tags[k] === 'object' && (tags[k] as any).bookworm.length > 0);
  const entry = typeof version === 'string' ? tags[version] : undefined;
  if (!entry || typeof entry !== 'object' || !lines.includes(version as string)) {
    problems.add(field, version, `one of: ${oneOf(lines)}`);
    return undefined;
  }
  return `${entry.full}-bookworm`;
}

/** A tmpfs mount of a backing service: writable by its user, no programs run from it. */
function scratch(path: string, size: Size): TmpfsSpec {
  return { path, size, mode: '1777', exec: false };
}
