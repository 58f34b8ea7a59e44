import { parseArgs } from 'node:util';
import type { DeadLetter, DeadLetterStatus, EventBus } from '@shop/events';

export const USAGE = `usage: npm run events -- <command>

  list [--group <g>] [--status dead|redrive|redriving|redriven] [--limit <n>] [--json]
                   dead letters, oldest first
  redrive <id>     ask the letter's consumer group to apply it again

The bus: NATS_URL (JetStream) when set, else EVENTS_DATABASE_URL (the PostgreSQL log).`;

const STATUSES: readonly DeadLetterStatus[] = ['dead', 'redrive', 'redriving', 'redriven'];

export class UsageError extends Error {
  override name = 'UsageError';
}

export type Command =
  | { name: 'list'; group?: string; status?: DeadLetterStatus; limit: number; json: boolean }
  | { name: 'redrive'; id: string }
  | { name: 'help' };

/** Parses argv (after the script name); throws UsageError naming what is wrong. */
export function parseCommand(argv: readonly string[]): Command {
  const [name, ...rest] = argv;
  switch (name) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return { name: 'help' };
    case 'list': {
      const { values } = parse(
        rest,
        {
          group: { type: 'string' },
          status: { type: 'string' },
          limit: { type: 'string', default: '100' },
          json: { type: 'boolean', default: false },
        },
        0,
      );
      const status = values.status as string | undefined;
      if (status !== undefined && !STATUSES.includes(status as DeadLetterStatus))
        throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`);
      const limit = Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw new UsageError('--limit must be an integer from 1 to 1000');
      return {
        name: 'list',
        group: values.group as string | undefined,
        status: status as DeadLetterStatus | undefined,
        limit,
        json: values.json === true,
      };
    }
    case 'redrive': {
      const { positionals } = parse(rest, {}, 1);
      return { name: 'redrive', id: positionals[0]! };
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(name)}`);
  }
}

function parse(
  args: string[],
  options: NonNullable<Parameters<typeof parseArgs>[0]>['options'],
  positionals: number,
): ReturnType<typeof parseArgs> {
  try {
    const parsed = parseArgs({ args, options, allowPositionals: positionals > 0, strict: true });
    if (parsed.positionals.length !== positionals)
      throw new UsageError(positionals === 1 ? 'expected one dead letter id' : 'unexpected arguments');
    return parsed;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** Runs a command against a bus; returns what to print and the exit code (1: the letter was not redriven). */
export async function runCommand(
  command: Command,
  bus: Pick<EventBus, 'listDeadLetters' | 'redriveDeadLetter' | 'backend'>,
): Promise<{ output: string; exitCode: number }> {
  switch (command.name) {
    case 'help':
      return { output: USAGE, exitCode: 0 };
    case 'list': {
      const letters = await bus.listDeadLetters({ group: command.group, status: command.status, limit: command.limit });
      return {
        output: command.json ? JSON.stringify(letters, null, 2) : renderTable(letters, bus.backend),
        exitCode: 0,
      };
    }
    case 'redrive': {
      const ok = await bus.redriveDeadLetter(command.id);
      return ok
        ? {
            output: `dead letter ${command.id} queued for redrive; its consumer group applies it and marks it redriven`,
            exitCode: 0,
          }
        : { output: `no dead letter ${command.id} with status "dead" (see: list)`, exitCode: 1 };
    }
  }
}

export function renderTable(letters: readonly DeadLetter[], backend: string): string {
  if (letters.length === 0) return `no dead letters (${backend})`;
  const rows = letters.map((l) => [
    l.id,
    l.group,
    `${l.topic}/${l.partition}@${l.offset}`,
    l.status,
    String(l.attempts),
    l.failedAt.toISOString(),
    l.error.replace(/\s+/g, ' ').slice(0, 60),
  ]);
  const header = ['id', 'group', 'where', 'status', 'attempts', 'failed at', 'error'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    `${letters.length} dead letter(s) on ${backend}`,
  ].join('\n');
}
