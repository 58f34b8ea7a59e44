/** A WAL position as PostgreSQL prints it ("16/B374D848"), comparable as a number. */
export function parseLsn(lsn: string): bigint {
  const [high, low, extra] = lsn.split('/');
  if (
    high === undefined ||
    low === undefined ||
    extra !== undefined ||
    !/^[0-9A-Fa-f]{1,8}$/.test(high) ||
    !/^[0-9A-Fa-f]{1,8}$/.test(low)
  )
    throw new Error(`Not an LSN: ${lsn}`);
  return (BigInt(`0x${high}`) << 32n) | BigInt(`0x${low}`);
}

export function isLsn(text: string): boolean {
  return /^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/.test(text);
}

/** The inverse of parseLsn, in PostgreSQL's own spelling. */
export function formatLsn(value: bigint): string {
  return `${(value >> 32n).toString(16).toUpperCase()}/${(value & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** The later of some positions; undefined when none is given. */
export function maxLsn(...positions: Array<string | undefined>): string | undefined {
  let best: bigint | undefined;
  for (const position of positions) {
    if (position === undefined) continue;
    const value = parseLsn(position);
    if (best === undefined || value > best) best = value;
  }
  return best === undefined ? undefined : formatLsn(best);
}
