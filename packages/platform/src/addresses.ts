/**
 * One spelling per client address: a dual-stack socket reports an IPv4 peer
 * as an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`), which is the IPv4
 * address it carries. Anything else is returned as it is.
 */
export function unmappedAddress(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped ? mapped[1]! : address;
}
