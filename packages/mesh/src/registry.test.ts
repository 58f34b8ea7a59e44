import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DnsRegistry } from './dnsRegistry.ts';
import { StaticRegistry, watchInstances } from './registry.ts';

test('a static registry lists its fixed URLs per service, in order, and ignores registration', async () => {
  const registry = new StaticRegistry({ product: ['https://p1:7111', 'https://p2:7112'] });
  await registry.heartbeat();
  await registry.deregister();
  assert.deepEqual(await registry.list('product', 'us-east'), [
    { service: 'product', region: 'us-east', instanceId: 'product-static-1', url: 'https://p1:7111' },
    { service: 'product', region: 'us-east', instanceId: 'product-static-2', url: 'https://p2:7112' },
  ]);
  assert.deepEqual(await registry.list('user', 'us-east'), []);
});

function fakeDns(answers: Record<string, string[] | Error>): {
  resolve4: (hostname: string) => Promise<string[]>;
  asked: string[];
} {
  const asked: string[] = [];
  return {
    asked,
    resolve4: (hostname) => {
      asked.push(hostname);
      const answer = answers[hostname];
      if (answer instanceof Error) return Promise.reject(answer);
      return answer
        ? Promise.resolve(answer)
        : Promise.reject(Object.assign(new Error(`queryA ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }));
    },
  };
}

test('a DNS registry resolves the service name of the region to one instance per A record', async () => {
  const dns = fakeDns({ 'order.shop-us-east.svc.cluster.local': ['10.0.0.12', '10.0.0.11', '10.0.0.12'] });
  const registry = new DnsRegistry({
    hostname: (service, region) => `${service}.shop-${region}.svc.cluster.local`,
    port: (service) => (service === 'order' ? 7121 : 7000),
    resolve4: dns.resolve4,
  });
  assert.deepEqual(await registry.list('order', 'us-east'), [
    { service: 'order', region: 'us-east', instanceId: 'order-10.0.0.11', url: 'https://10.0.0.11:7121' },
    { service: 'order', region: 'us-east', instanceId: 'order-10.0.0.12', url: 'https://10.0.0.12:7121' },
  ]);
  assert.deepEqual(dns.asked, ['order.shop-us-east.svc.cluster.local']);
});

test('a DNS name with no instances lists none; any other lookup failure rejects', async () => {
  const dns = fakeDns({ 'broken.svc': Object.assign(new Error('queryA ESERVFAIL broken.svc'), { code: 'ESERVFAIL' }) });
  const registry = new DnsRegistry({
    hostname: (service) => `${service}.svc`,
    port: 80,
    scheme: 'http',
    resolve4: dns.resolve4,
  });
  assert.deepEqual(await registry.list('gone', 'us-east'), []);
  await assert.rejects(registry.list('broken', 'us-east'), /ESERVFAIL/);
});

test('watching a DNS registry follows the pod set, and keeps the last one through a failed lookup', async () => {
  const answers: Record<string, string[] | Error> = { 'product.svc': ['10.0.0.1'] };
  const registry = new DnsRegistry({
    hostname: (service) => `${service}.svc`,
    port: 7111,
    resolve4: fakeDns(answers).resolve4,
  });
  const seen: string[][] = [];
  const errors: unknown[] = [];
  const watcher = watchInstances(
    registry,
    'product',
    'us-east',
    { update: (urls) => seen.push(urls) },
    { intervalMs: 10, onError: (error) => errors.push(error) },
  );
  const until = async (condition: () => boolean): Promise<void> => {
    for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  };
  await until(() => seen.length > 0);
  answers['product.svc'] = ['10.0.0.1', '10.0.0.2'];
  await until(() => seen.at(-1)?.length === 2);
  answers['product.svc'] = Object.assign(new Error('timeout'), { code: 'ETIMEOUT' });
  await until(() => errors.length > 0);
  const updatesBeforeFailure = seen.length;
  await new Promise((resolve) => setTimeout(resolve, 30));
  watcher.stop();
  assert.deepEqual(seen[0], ['https://10.0.0.1:7111']);
  assert.deepEqual(seen.at(-1), ['https://10.0.0.1:7111', 'https://10.0.0.2:7111']);
  assert.equal(seen.length, updatesBeforeFailure, 'a failed lookup does not empty the set');
});
