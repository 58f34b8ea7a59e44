/** Cart rules. Pure: the app layer loads and stores the lines. */
export const MAX_CART_LINES = 50;
export const MIN_QUANTITY = 1;
export const MAX_QUANTITY = 100;

export interface CartLine {
  productId: string;
  quantity: number;
}

export type CartChangeVerdict = { ok: true } | { ok: false; reason: string };

/** Whether setting `productId` to a quantity is allowed, given the current lines. */
export function checkCartChange(lines: readonly CartLine[], productId: string, quantity: number): CartChangeVerdict {
  if (!Number.isInteger(quantity) || quantity < MIN_QUANTITY || quantity > MAX_QUANTITY) {
    return { ok: false, reason: `quantity must be an integer from ${MIN_QUANTITY} to ${MAX_QUANTITY}` };
  }
  const isNewLine = !lines.some((l) => l.productId === productId);
  if (isNewLine && lines.length >= MAX_CART_LINES)
    return { ok: false, reason: `a cart holds at most ${MAX_CART_LINES} lines` };
  return { ok: true };
}

export interface PricedCartLine extends CartLine {
  name?: string;
  unitPriceMinor?: number;
  currency?: string;
}

/** The cart's total when every line is priced in one currency; otherwise none (a degraded view). */
export function cartTotal(lines: readonly PricedCartLine[]): { totalMinor: number; currency: string } | undefined {
  const first = lines[0];
  if (!first?.currency) return undefined;
  let total = 0;
  for (const line of lines) {
    if (line.unitPriceMinor === undefined || line.currency !== first.currency) return undefined;
    total += line.unitPriceMinor * line.quantity;
  }
  return { totalMinor: total, currency: first.currency };
}
