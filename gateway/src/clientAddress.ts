import { BlockList, isIP } from 'node:net';
import { ConfigError, unmappedAddress } from '@shop/platform';

/**
 * Which address a request comes from, for per-address limits. The socket's
 * peer is the load balancer, not the client, so X-Forwarded-For is read, but
 * only as far as trusted hops vouch for it: walking from the socket leftwards
 * through the header, the first address that is not a trusted proxy is the
 * client (proxy-addr's rule, which Fastify's `trustProxy` also follows). An
 * untrusted peer's header is ignored, so a client cannot name itself a fresh
 * address per request. Local caveat: on one laptop the clients are loopback
 * too, so there a client's own X-Forwarded-For is believed.
 */
export type TrustedProxies = BlockList;

/** TRUSTED_PROXIES: comma-separated addresses and CIDRs; `loopback` for 127.0.0.0/8 and ::1; `none` or empty for no proxy. */
export function parseTrustedProxies(spec: string): TrustedProxies {
  const list = new BlockList();
  for (const entry of spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== 'none')) {
    if (entry === 'loopback') {
      list.addSubnet('127.0.0.0', 8, 'ipv4');
      list.addAddress('::1', 'ipv6');
      continue;
    }
    const [address = '', bits] = entry.split('/');
    const family = isIP(address);
    const prefix = bits === undefined ? undefined : Number(bits);
    if (
      family === 0 ||
      (prefix !== undefined && !(Number.isInteger(prefix) && prefix >= 0 && prefix <= (family === 4 ? 32 : 128)))
    ) {
      throw new ConfigError([
        `TRUSTED_PROXIES is malformed: "${entry}" is not an address, a CIDR, "loopback" or "none"`,
      ]);
    }
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, prefix, type);
  }
  return list;
}

function trusts(trusted: TrustedProxies, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && trusted.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export function clientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trusted: TrustedProxies,
): string {
  let client = unmappedAddress(socketAddress ?? '');
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? ''))
    .split(',')
    .map((s) => unmappedAddress(s.trim()))
    .filter((s) => s !== '');
  while (trusts(trusted, client)) {
    const next = hops.pop();
    // No hop left, or one a trusted proxy would never write: the last trusted hop is as far as we know.
    if (next === undefined || isIP(next) === 0) break;
    client = next;
  }
  return client;
}
