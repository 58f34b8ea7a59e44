// The product read on the real platform, three ways: straight from the one
// product instance (mTLS, the launcher's certificate), through the gateway,
// and through load balancer + gateway. Same product, same processes measured
// (the whole platform, PostgreSQL included), so the rows differ only by the hops.
import { ShopClient } from '@shop/load';
import type { Platform } from './platform.ts';
import type { Running } from './scenarios.ts';

export interface ShopRead {
  key: string;
  name: string;
  running: Running;
}

export async function shopReads(platform: Platform): Promise<ShopRead[]> {
  const client = new ShopClient(platform.gatewayUrl);
  const [id] = await client.productIds(1).finally(() => client.close());
  if (!id) throw new Error('the catalogue is empty');
  const path = `/products/${id}`;
  const [product] = [...platform.products.values()];
  // The platform outlives each row: stopping a row stops nothing.
  const on = (target: Running['target']): Running => ({
    target,
    processes: platform.processes,
    stop: () => Promise.resolve(),
  });
  return [
    {
      key: 'product-direct',
      name: 'product read, one product instance direct (mTLS, PostgreSQL + cache)',
      running: on({ url: `${product}${path}`, tls: platform.tls }),
    },
    {
      key: 'product-gateway',
      name: 'product read through the gateway -> product (mesh, mTLS)',
      running: on({ url: `${platform.gatewayUrl}${path}` }),
    },
    {
      key: 'product-lb',
      name: 'product read through load balancer -> gateway -> product',
      running: on({ url: `${platform.lbUrl}${path}` }),
    },
  ];
}
