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

/** What the docs say about a variable: its default (as written in the environment) and its meaning. */
export interface FieldDoc {
  /** The default as one would write it in the environment; undefined when the variable has none. */
  default: string | undefined;
  /** What a valid value looks like ("an integer from 1 to 200"). */
  expected: string;
  /** One line: what the variable is for. */
  description: string | undefined;
  /** Whether the process refuses to start without it. */
  required: boolean;
}

export interface Field<T> {
  read(env: Env, name: string): T;
  doc: FieldDoc;
}

export type Spec = Record<string, Field<unknown>>;
export type ConfigOf<S extends Spec> = { [K in keyof S]: S[K] extends Field<infer T> ? T : never };

class FieldProblem extends Error {}

function raw(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** How one kind of value is read: its default, how to say what is expected, how to parse it. */
interface Rule<T> {
  fallback: T | undefined;
  expected: string;
  parse: (value: string) => T | undefined;
  doc: string | undefined;
}

function field<T>(rule: Rule<T>): Field<T> {
  return {
    read(env, name) {
      const value = raw(env, name);
      if (value === undefined) {
        if (rule.fallback !== undefined) return rule.fallback;
        throw new FieldProblem(`${name} is required: expected ${rule.expected}`);
      }
      const parsed = rule.parse(value);
      if (parsed === undefined)
        throw new FieldProblem(`${name} is malformed: expected ${rule.expected}, got ${JSON.stringify(value)}`);
      return parsed;
    },
    doc: {
      default: rule.fallback === undefined ? undefined : String(rule.fallback),
      expected: rule.expected,
      description: rule.doc,
      required: rule.fallback === undefined,
    },
  };
}

/** A field that may be unset: undefined then, else read by `inner`. */
function optional<T>(inner: Field<T>): Field<T | undefined> {
  return {
    read: (e, n) => (raw(e, n) === undefined ? undefined : inner.read(e, n)),
    doc: { ...inner.doc, required: false },
  };
}

/** Every builder takes `doc`: the one-line meaning the generated docs/configuration.md shows. */
interface Documented {
  doc?: string;
}

export const env = {
  string(options: Documented & { default?: string; pattern?: RegExp; description?: string } = {}): Field<string> {
    const expected =
      options.description ?? (options.pattern ? `a string matching ${String(options.pattern)}` : 'a non-empty string');
    const pattern = options.pattern;
    return field({
      fallback: options.default,
      expected,
      parse: (v) => (pattern && !pattern.test(v) ? undefined : v),
      doc: options.doc,
    });
  },
  optionalString(options: Documented & { description?: string } = {}): Field<string | undefined> {
    return optional(env.string(options));
  },
  int(options: Documented & { default?: number; min?: number; max?: number } = {}): Field<number> {
    const min = options.min ?? Number.MIN_SAFE_INTEGER;
    const max = options.max ?? Number.MAX_SAFE_INTEGER;
    const parse = (v: string): number | undefined => {
      if (!/^-?\d+$/.test(v)) return undefined;
      const parsed = Number(v);
      return parsed >= min && parsed <= max ? parsed : undefined;
    };
    return field({ fallback: options.default, expected: `an integer from ${min} to ${max}`, parse, doc: options.doc });
  },
  /** A fraction from 0 to 1, like OpenTelemetry's OTEL_TRACES_SAMPLER_ARG. */
  ratio(options: Documented & { default?: number } = {}): Field<number> {
    const parse = (v: string): number | undefined => (/^(0|1|0?\.\d+|1\.0*)$/.test(v) ? Number(v) : undefined);
    return field({ fallback: options.default, expected: 'a number from 0 to 1', parse, doc: options.doc });
  },
  port(options: Documented & { default?: number } = {}): Field<number> {
    return env.int({ ...options, min: 0, max: 65535 });
  },
  bool(options: Documented & { default?: boolean } = {}): Field<boolean> {
    const map: Record<string, boolean> = { true: true, '1': true, yes: true, false: false, '0': false, no: false };
    const expected = 'one of true, false, 1, 0, yes, no';
    return field({ fallback: options.default, expected, parse: (v) => map[v.toLowerCase()], doc: options.doc });
  },
  oneOf<const T extends string>(values: readonly T[], options: Documented & { default?: T } = {}): Field<T> {
    const parse = (v: string): T | undefined => values.find((x) => x === v);
    return field({ fallback: options.default, expected: `one of ${values.join(', ')}`, parse, doc: options.doc });
  },
  url(options: Documented & { protocols?: string[]; default?: string } = {}): Field<string> {
    const protocols = options.protocols;
    const parse = (v: string): string | undefined => {
      if (!URL.canParse(v)) return undefined;
      return protocols && !protocols.includes(new URL(v).protocol) ? undefined : v;
    };
    return field({ fallback: options.default, expected: urlExpected(protocols), parse, doc: options.doc });
  },
  optionalUrl(options: Documented & { protocols?: string[] } = {}): Field<string | undefined> {
    return optional(env.url(options));
  },
  /** Comma-separated URLs; unset or empty is an empty list, and every entry must parse. */
  urlList(options: Documented & { protocols?: string[] } = {}): Field<string[]> {
    const inner = env.url(options);
    const expected = `comma-separated ${urlExpected(options.protocols).replace(/^a URL/, 'URLs')}`;
    return {
      read: (e, n) => {
        const value = raw(e, n);
        if (value === undefined) return [];
        return value
          .split(',')
          .map((entry, i) => readEntry(inner, { n, entry: entry.trim(), i, protocols: options.protocols }));
      },
      doc: { default: undefined, expected, description: options.doc, required: false },
    };
  },
};

function urlExpected(protocols: string[] | undefined): string {
  return protocols ? `a URL (${protocols.join(' or ')})` : 'a URL';
}

function readEntry(
  inner: Field<string>,
  at: { n: string; entry: string; i: number; protocols: string[] | undefined },
): string {
  try {
    return inner.read({ [at.n]: at.entry }, at.n);
  } catch (error) {
    if (!(error instanceof FieldProblem)) throw error;
    throw new FieldProblem(
      `${at.n} entry ${at.i + 1} is malformed: expected ${urlExpected(at.protocols)}, got ${JSON.stringify(at.entry)}`,
    );
  }
}

/** Reads every field and reports all problems at once, not just the first. */
export function loadConfig<S extends Spec>(spec: S, source: Env): ConfigOf<S> {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [name, declared] of Object.entries(spec)) {
    try {
      out[name] = declared.read(source, name);
    } catch (error) {
      if (error instanceof FieldProblem) problems.push(error.message);
      else throw error;
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as ConfigOf<S>;
}
