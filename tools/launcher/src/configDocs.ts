// npm run config-docs: writes docs/configuration.md from the configuration registry (every process
// kind's spec, and the launcher's own). test/ops/configDocs.test.ts fails when the file is stale.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { baseServiceSpec, configurationDocument, processKinds, serviceSpecs, type Spec } from '@shop/platform';
import { launcherSpec } from './config.ts';

export const CONFIGURATION_DOC = fileURLToPath(new URL('../../../docs/configuration.md', import.meta.url));

const service = (name: keyof typeof serviceSpecs): { title: string; intro: string; spec: Spec } => ({
  title: `${name} service`,
  intro: `Every variable of [every service](#every-service-instance), and:`,
  spec: serviceSpecs[name],
});

/** The document as the registry says it should read. */
export function renderConfigurationDoc(): string {
  return configurationDocument([
    {
      title: 'Launcher (npm start)',
      intro:
        "What the launcher reads for itself. The table's `ops` column is each instance's ops port: plain HTTP on loopback, serving `/health`, `/ready` and `/metrics` without a client certificate.",
      // '.' keeps the default data directory relative, the same in every checkout.
      spec: launcherSpec('.'),
    },
    {
      title: 'Every service instance',
      intro: 'user, product, order, payment, notification and analytics all read these (the launcher sets most).',
      spec: baseServiceSpec,
    },
    service('user'),
    service('product'),
    service('order'),
    service('payment'),
    service('notification'),
    service('analytics'),
    { title: 'API gateway', spec: processKinds.gateway },
    {
      title: 'Load balancer',
      intro: 'Its ops port serves `/lb/status`, `/health` and `/ready`.',
      spec: processKinds.lb,
    },
    { title: 'Payment provider sandbox', spec: processKinds['payment-sandbox'] },
    { title: 'Mail sink', spec: processKinds['mail-sink'] },
    { title: 'Trace collector', spec: processKinds['trace-collector'] },
    { title: 'Dead-letter tool (npm run events)', spec: processKinds['events-cli'] },
  ]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const wanted = renderConfigurationDoc();
  const current = await readFile(CONFIGURATION_DOC, 'utf8').catch(() => '');
  if (current === wanted) process.stdout.write('docs/configuration.md is current\n');
  else {
    await writeFile(CONFIGURATION_DOC, wanted);
    process.stdout.write('docs/configuration.md written\n');
  }
}
