// Flags for the command-line tools (npm run load, npm run bench): node:util's
// parseArgs, plus what a person at a terminal needs from it: --help prints the
// usage, and a wrong flag or a value that is not a number says so in one line
// with the usage, instead of a stack trace or a run with NaN in it.
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

export interface FlagSpec {
  type: 'string' | 'boolean';
  default?: string | boolean;
  /** One line for the usage. */
  help: string;
  /** The value must be a number, zero or more. */
  numeric?: boolean;
  /** The value must be one of these. */
  oneOf?: readonly string[];
}

export type Flags<S extends Record<string, FlagSpec>> = {
  [K in keyof S]: S[K]['type'] extends 'boolean'
    ? boolean
    : S[K] extends { default: string }
      ? string
      : string | undefined;
};

/** A bad command line, or --help: `usage` is what to show. */
export class UsageError extends Error {
  readonly usage: string;
  readonly helpRequested: boolean;
  constructor(message: string, usage: string, helpRequested = false) {
    super(message);
    this.name = 'UsageError';
    this.usage = usage;
    this.helpRequested = helpRequested;
  }
}

function usageOf(command: string, summary: string, specs: Record<string, FlagSpec>): string {
  const rows = Object.entries(specs).map(([name, spec]) => {
    const flag =
      spec.type === 'boolean' ? `--${name}` : `--${name} <${spec.oneOf ? 'name' : spec.numeric ? 'n' : 'value'}>`;
    const choices = spec.oneOf ? `: ${spec.oneOf.join(', ')}` : '';
    const fallback = spec.type === 'string' && spec.default !== undefined ? ` (default ${String(spec.default)})` : '';
    return [flag, `${spec.help}${choices}${fallback}`] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length), '--help'.length);
  return [
    `Usage: ${command} [flags]`,
    '',
    summary,
    '',
    ...[...rows, ['--help', 'show this and exit'] as const].map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`),
  ].join('\n');
}

/** Parses `argv` against `specs`; throws UsageError for --help or anything wrong. */
export function parseFlags<const S extends Record<string, FlagSpec>>(
  command: string,
  summary: string,
  specs: S,
  argv: string[],
): Flags<S> {
  const usage = usageOf(command, summary, specs);
  if (argv.includes('--help') || argv.includes('-h')) throw new UsageError('', usage, true);
  const options: ParseArgsOptionsConfig = Object.fromEntries(
    Object.entries(specs).map(([name, { type, default: fallback }]) => [
      name,
      fallback === undefined ? { type } : { type, default: fallback },
    ]),
  );
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as Record<
      string,
      string | boolean | undefined
    >;
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))
      throw new UsageError((error as Error).message, usage);
    throw error;
  }
  for (const [name, spec] of Object.entries(specs)) {
    const value = values[name];
    if (typeof value !== 'string') continue;
    if (spec.numeric && (value.trim() === '' || !Number.isFinite(Number(value)) || Number(value) < 0))
      throw new UsageError(`--${name} must be a number, zero or more (got "${value}")`, usage);
    if (spec.oneOf && !spec.oneOf.includes(value))
      throw new UsageError(`--${name} must be one of ${spec.oneOf.join(', ')} (got "${value}")`, usage);
  }
  return values as Flags<S>;
}

/** parseFlags for a tool's main: prints the usage and exits (0 for --help, 2 for a mistake) instead of throwing. */
export function flagsOrExit<const S extends Record<string, FlagSpec>>(
  command: string,
  summary: string,
  specs: S,
  argv: string[] = process.argv.slice(2),
): Flags<S> {
  try {
    return parseFlags(command, summary, specs, argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    if (error.helpRequested) {
      process.stdout.write(`${error.usage}\n`);
      process.exit(0);
    }
    process.stderr.write(`${command}: ${error.message}\n\n${error.usage}\n`);
    process.exit(2);
  }
}
