import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseFlags, UsageError } from './cli.ts';

const specs = {
  rate: { type: 'string', default: '200', numeric: true, help: 'offered per second' },
  profile: { type: 'string', default: 'day', oneOf: ['day', 'black-friday'], help: 'the mix' },
  out: { type: 'string', help: 'report file' },
  overload: { type: 'boolean', default: false, help: 'step to 3x' },
} as const;
const parse = (argv: string[]) => parseFlags('tool', 'Does a thing.', specs, argv);

test('flags parse with their defaults', () => {
  assert.deepEqual({ ...parse([]) }, { rate: '200', profile: 'day', overload: false });
  assert.deepEqual(
    { ...parse(['--rate', '50', '--out=r.html', '--overload']) },
    { rate: '50', profile: 'day', out: 'r.html', overload: true },
  );
});

test('a wrong command line is a UsageError naming the flag, with the usage; --help asks for the usage', () => {
  const wrong = (argv: string[], message: RegExp) =>
    assert.throws(
      () => parse(argv),
      (error: unknown) =>
        error instanceof UsageError &&
        message.test(error.message) &&
        /Usage: tool/.test(error.usage) &&
        /--rate <n> +offered per second \(default 200\)/.test(error.usage) &&
        !error.helpRequested,
    );
  wrong(['--bogus'], /Unknown option '--bogus'/);
  wrong(['--rate', 'abc'], /--rate must be a number, zero or more \(got "abc"\)/);
  wrong(['--rate=-5'], /--rate must be a number/);
  wrong(['--rate='], /--rate must be a number/);
  wrong(['--profile', 'monday'], /--profile must be one of day, black-friday/);
  wrong(['--rate'], /argument missing/);
  wrong(['stray'], /does not take positional arguments/);
  assert.throws(
    () => parse(['--rate', '5', '--help']),
    (error: unknown) => error instanceof UsageError && error.helpRequested,
  );
});

test('npm run load with a bad flag exits 2 with one line and the usage, no stack trace; --help exits 0', async () => {
  const load = fileURLToPath(new URL('./load.ts', import.meta.url));
  const run = promisify(execFile);
  const failed = await run(process.execPath, [load, '--rate', 'fast'], { timeout: 20_000 }).then(
    () => undefined,
    (error: { code: number; stderr: string; stdout: string }) => error,
  );
  assert.ok(failed, 'it exits non-zero');
  assert.equal(failed.code, 2);
  assert.match(
    failed.stderr,
    /^npm run load --: --rate must be a number, zero or more \(got "fast"\)\n\nUsage: npm run load --/,
  );
  assert.doesNotMatch(failed.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(failed.stdout, '', 'nothing was started');
  const help = await run(process.execPath, [load, '--help'], { timeout: 20_000 });
  assert.match(help.stdout, /--profile <name> +the traffic mix: black-friday, /);
});
