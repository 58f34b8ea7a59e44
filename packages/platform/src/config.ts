/**
 * Configuration from the environment, validated once at start.
 * A missing or malformed variable stops the process with a message that names
 * the variable and says what was expected; nothing reads process.env later.
 */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

interface Field<T> {
  read(env: Env, name: string): T;
}

type Spec = Record<string, Field<unknown>>;
export type ConfigOf<S extends Spec> = { [K in keyof S]: S[K] extends Field<infer T> ? T : never };

class FieldProblem extends Error {}

function raw(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function required<T>(
  env: Env,
  name: string,
  fallback: T | undefined,
  expected: string,
  parse: (v: string) => T | undefined,
): T {
  const value = raw(env, name);
  if (value === undefined) {
    if (fallback !== undefined) return fallback;
    throw new FieldProblem(`${name} is required: expected ${expected}`);
  }
  const parsed = parse(value);
  if (parsed === undefined)
    throw new FieldProblem(`${name} is malformed: expected ${expected}, got ${JSON.stringify(value)}`);
  return parsed;
}

export const env = {
  string(options: { default?: string; pattern?: RegExp; description?: string } = {}): Field<string> {
    const expected =
      options.description ?? (options.pattern ? `a string matching ${String(options.pattern)}` : 'a non-empty string');
    return {
      read: (e, n) =>
        required(e, n, options.default, expected, (v) => (options.pattern && !options.pattern.test(v) ? undefined : v)),
    };
  },
  optionalString(): Field<string | undefined> {
    return { read: (e, n) => raw(e, n) };
  },
  int(options: { default?: number; min?: number; max?: number } = {}): Field<number> {
    const min = options.min ?? Number.MIN_SAFE_INTEGER;
    const max = options.max ?? Number.MAX_SAFE_INTEGER;
    const expected = `an integer from ${min} to ${max}`;
    return {
      read: (e, n) =>
        required(e, n, options.default, expected, (v) => {
          if (!/^-?\d+$/.test(v)) return undefined;
          const parsed = Number(v);
          return parsed >= min && parsed <= max ? parsed : undefined;
        }),
    };
  },
  /** A fraction from 0 to 1, like OpenTelemetry's OTEL_TRACES_SAMPLER_ARG. */
  ratio(options: { default?: number } = {}): Field<number> {
    return {
      read: (e, n) =>
        required(e, n, options.default, 'a number from 0 to 1', (v) => {
          if (!/^(0|1|0?\.\d+|1\.0*)$/.test(v)) return undefined;
          return Number(v);
        }),
    };
  },
  port(options: { default?: number } = {}): Field<number> {
    return env.int({ ...options, min: 0, max: 65535 });
  },
  bool(options: { default?: boolean } = {}): Field<boolean> {
    const map: Record<string, boolean> = { true: true, '1': true, yes: true, false: false, '0': false, no: false };
    return {
      read: (e, n) => required(e, n, options.default, 'one of true, false, 1, 0, yes, no', (v) => map[v.toLowerCase()]),
    };
  },
  oneOf<const T extends string>(values: readonly T[], options: { default?: T } = {}): Field<T> {
    return {
      read: (e, n) =>
        required(e, n, options.default, `one of ${values.join(', ')}`, (v) => values.find((x) => x === v)),
    };
  },
  url(options: { protocols?: string[]; default?: string } = {}): Field<string> {
    const protocols = options.protocols;
    const expected = protocols ? `a URL (${protocols.join(' or ')})` : 'a URL';
    return {
      read: (e, n) =>
        required(e, n, options.default, expected, (v) => {
          if (!URL.canParse(v)) return undefined;
          const url = new URL(v);
          return protocols && !protocols.includes(url.protocol) ? undefined : v;
        }),
    };
  },
  optionalUrl(options: { protocols?: string[] } = {}): Field<string | undefined> {
    const inner = env.url(options);
    return { read: (e, n) => (raw(e, n) === undefined ? undefined : inner.read(e, n)) };
  },
  /** Comma-separated URLs; unset or empty is an empty list, and every entry must parse. */
  urlList(options: { protocols?: string[] } = {}): Field<string[]> {
    const inner = env.url(options);
    return {
      read: (e, n) => {
        const value = raw(e, n);
        if (value === undefined) return [];
        const entries = value.split(',').map((v) => v.trim());
        return entries.map((entry, i) => {
          try {
            return inner.read({ [n]: entry }, n);
          } catch (error) {
            throw error instanceof FieldProblem
              ? new FieldProblem(
                  `${n} entry ${i + 1} is malformed: expected ${options.protocols ? `a URL (${options.protocols.join(' or ')})` : 'a URL'}, got ${JSON.stringify(entry)}`,
                )
              : error;
          }
        });
      },
    };
  },
};

/** Reads every field and reports all problems at once, not just the first. */
export function loadConfig<S extends Spec>(spec: S, source: Env): ConfigOf<S> {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(spec)) {
    try {
      out[name] = field.read(source, name);
    } catch (error) {
      if (error instanceof FieldProblem) problems.push(error.message);
      else throw error;
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as ConfigOf<S>;
}

/** The variables every service instance understands (documented in the README). */
export const baseServiceSpec = {
  HOST: env.string({ default: '127.0.0.1' }),
  PORT: env.port(),
  INSTANCE_ID: env.string({ pattern: /^[a-z0-9][a-z0-9-]{0,62}$/, description: 'a lowercase id like "user-1"' }),
  REGION: env.string({ default: 'us-east', pattern: /^[a-z]+-[a-z]+$/, description: 'a region name like "us-east"' }),
  DATABASE_URL: env.url({ protocols: ['postgres:', 'postgresql:'] }),
  /** Streaming replicas of DATABASE_URL's server, as the same role on the same database: reads go there (ReadRouter). */
  DATABASE_REPLICA_URLS: env.urlList({ protocols: ['postgres:', 'postgresql:'] }),
  DB_POOL_MAX: env.int({ default: 10, min: 1, max: 200 }),
  DB_ACQUIRE_TIMEOUT_MS: env.int({ default: 1000, min: 10, max: 60_000 }),
  DB_STATEMENT_TIMEOUT_MS: env.int({ default: 5000, min: 10, max: 600_000 }),
  LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
  BODY_LIMIT_BYTES: env.int({ default: 1_048_576, min: 1024, max: 50 * 1_048_576 }),
  SHUTDOWN_TIMEOUT_MS: env.int({ default: 10_000, min: 100, max: 120_000 }),
  MAX_CONCURRENT_REQUESTS: env.int({ default: 256, min: 1, max: 100_000 }),
  /** The event log (embedded PostgreSQL backend); producers relay their outbox to it when set. */
  EVENTS_DATABASE_URL: env.optionalUrl({ protocols: ['postgres:', 'postgresql:'] }),
  /** The event bus on NATS JetStream (e.g. nats://127.0.0.1:4222); when set it wins over EVENTS_DATABASE_URL. */
  NATS_URL: env.optionalString(),
  /** How long a destination's circuit stays open before a trial call (the seed's 30 s). */
  MESH_BREAKER_OPEN_MS: env.int({ default: 30_000, min: 100, max: 600_000 }),
  /** Keeps deployments sharing one NATS apart (the launcher passes its DB_PREFIX). */
  /** Head sampling: the share of new traces recorded and exported (children follow their parent's decision). */
  OTEL_TRACES_SAMPLER_ARG: env.ratio({ default: 1 }),
  EVENTS_NAMESPACE: env.string({
    default: 'shop',
    pattern: /^[a-z][a-z0-9]{0,31}$/,
    description: 'lowercase letters and digits',
  }),
};
export type BaseServiceConfig = ConfigOf<typeof baseServiceSpec>;
