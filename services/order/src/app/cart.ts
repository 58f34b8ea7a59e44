import { AppError } from '@shop/platform';
import { cartTotal, checkCartChange, type CartLine, type PricedCartLine } from '../domain/cart.ts';
import type { CartRepository, OrderStore, ProductPort } from '../domain/ports.ts';

export interface CartDeps {
  store: Pick<OrderStore, 'transaction'> & { carts: CartRepository };
  product: ProductPort;
}

export interface CartView {
  items: PricedCartLine[];
  totalMinor?: number;
  currency?: string;
  /** Prices are missing because the product service could not be asked. */
  degraded?: true;
}

/** A change to one line of the user's cart. */
export interface CartItemChange {
  userId: string;
  productId: string;
  quantity: number;
}

const ENRICH_TIMEOUT_MS = 2000;

/** The cart with current prices; if the product service is down, the lines alone (degraded, never an error). */
export async function viewCart(deps: CartDeps, userId: string): Promise<CartView> {
  return priceLines(deps, await deps.store.carts.lines(userId));
}

async function priceLines(deps: CartDeps, lines: readonly CartLine[]): Promise<CartView> {
  if (lines.length === 0) return { items: [] };
  const signal = AbortSignal.timeout(ENRICH_TIMEOUT_MS);
  const products = await Promise.allSettled(lines.map(async (l) => deps.product.getProduct(l.productId, signal)));
  let degraded = false;
  const items = lines.map((line, i): PricedCartLine => {
    const result = products[i];
    if (!result || result.status === 'rejected') {
      degraded = true;
      return { ...line };
    }
    const p = result.value;
    return p ? { ...line, name: p.name, unitPriceMinor: p.priceMinor, currency: p.currency } : { ...line };
  });
  const total = cartTotal(items);
  return { items, ...(total ?? {}), ...(degraded ? { degraded: true as const } : {}) };
}

/** Adds a line or changes its quantity, after checking the product exists and is for sale. */
export async function setCartItem(deps: CartDeps, change: CartItemChange, signal?: AbortSignal): Promise<CartView> {
  const { userId, productId, quantity } = change;
  const product = await deps.product.getProduct(productId, signal);
  if (!product) throw new AppError('NOT_FOUND', { detail: `No product ${productId}` });
  if (!product.available) throw new AppError('UNPROCESSABLE', { detail: `Product ${productId} is not for sale` });
  // The cart as this change left it, from the lines read under the lock: a
  // changed line keeps its place, a new one goes last (the lines' order is the order added).
  const after = await deps.store.transaction(async ({ carts }) => {
    await carts.lock(userId);
    const lines = await carts.lines(userId);
    const verdict = checkCartChange(lines, productId, quantity);
    if (!verdict.ok) throw new AppError('UNPROCESSABLE', { detail: `The cart cannot take this: ${verdict.reason}` });
    await carts.upsert(userId, { productId, quantity });
    return lines.some((l) => l.productId === productId)
      ? lines.map((l) => (l.productId === productId ? { productId, quantity } : l))
      : [...lines, { productId, quantity }];
  });
  return priceLines(deps, after);
}

export async function removeCartItem(deps: CartDeps, userId: string, productId: string): Promise<void> {
  await deps.store.carts.remove(userId, productId);
}
