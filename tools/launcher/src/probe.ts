import { readFile } from 'node:fs/promises';
import { Agent, request } from 'undici';
import type { MeshFiles } from './meshCertificates.ts';
import { schemeOf } from './instanceEnv.ts';
import type { InstanceSpec } from './topology.ts';

/** Readiness probes: plain HTTP, or mTLS with the launcher's own mesh identity. */
export async function createProber(
  launcherCerts: MeshFiles | undefined,
): Promise<{ probe(instance: InstanceSpec): Promise<boolean>; close(): Promise<void> }> {
  const agent = launcherCerts
    ? new Agent({
        connect: {
          cert: await readFile(launcherCerts.certFile, 'utf8'),
          key: await readFile(launcherCerts.keyFile, 'utf8'),
          ca: await readFile(launcherCerts.caFile, 'utf8'),
          servername: 'localhost',
        },
      })
    : new Agent();
  return {
    async probe(instance) {
      try {
        const response = await request(
          `${schemeOf(instance, launcherCerts !== undefined)}://127.0.0.1:${instance.port}/ready`,
          { dispatcher: agent, signal: AbortSignal.timeout(1500) },
        );
        await response.body.dump();
        return response.statusCode === 200;
      } catch {
        return false;
      }
    },
    close: () => agent.close(),
  };
}
