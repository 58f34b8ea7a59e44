import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, env, loadConfig } from './config.ts';

const spec = {
  PORT: env.port(),
  MODE: env.oneOf(['a', 'b'], { default: 'a' }),
  URL: env.url({ protocols: ['postgres:'] }),
  FLAG: env.bool({ default: false }),
};

test('valid values are parsed to their types, defaults fill the gaps', () => {
  assert.deepEqual(loadConfig(spec, { PORT: '8080', URL: 'postgres://x@h/db', FLAG: 'yes' }), {
    PORT: 8080,
    MODE: 'a',
    URL: 'postgres://x@h/db',
    FLAG: true,
  });
});

test('each bad variable is named with what was expected', () => {
  try {
    loadConfig(spec, { PORT: '99999', MODE: 'c', URL: 'http://x' });
    assert.fail('expected a ConfigError');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.deepEqual(error.problems, [
      'PORT is malformed: expected an integer from 0 to 65535, got "99999"',
      'MODE is malformed: expected one of a, b, got "c"',
      'URL is malformed: expected a URL (postgres:), got "http://x"',
    ]);
  }
});

test('a blank value counts as missing', () => {
  assert.throws(() => loadConfig(spec, { PORT: '  ', URL: 'postgres://h/db' }), /PORT is required/);
});

test('a ratio is a number from 0 to 1, as OpenTelemetry writes its sampler argument', () => {
  const ratio = { RATIO: env.ratio({ default: 1 }) };
  assert.deepEqual(
    ['0', '1', '0.25', '.5', '1.0'].map((v) => loadConfig(ratio, { RATIO: v }).RATIO),
    [0, 1, 0.25, 0.5, 1],
  );
  assert.equal(loadConfig(ratio, {}).RATIO, 1);
  for (const bad of ['1.5', '-0.1', 'half', '1e-2', '0.'])
    assert.throws(
      () => loadConfig(ratio, { RATIO: bad }),
      new RegExp(`RATIO is malformed: expected a number from 0 to 1, got "${bad.replace('.', '\\.')}"`),
    );
});
