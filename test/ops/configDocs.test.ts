// docs/configuration.md is generated from the configuration registry: it must say what the code reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { CONFIGURATION_DOC, renderConfigurationDoc } from '../../tools/launcher/src/configDocs.ts';

test('docs/configuration.md is what the registry generates', async () => {
  const current = await readFile(CONFIGURATION_DOC, 'utf8').catch(() => '(missing)');
  assert.ok(
    current === renderConfigurationDoc(),
    'docs/configuration.md is stale: run `npm run config-docs` and commit the result',
  );
});
