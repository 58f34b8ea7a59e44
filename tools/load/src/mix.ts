import type { Answer, ShopClient, VirtualUser } from './shop.ts';
import { zipf } from './zipf.ts';

export type Kind = 'browse' | 'search' | 'cart' | 'checkout' | 'login' | 'orders' | 'notifications';

/** Weighted request mixes; black-friday is the seed's day: mostly browsing, some carts, a few checkouts. */
export const PROFILES: Record<string, Array<[Kind, number]>> = {
  'black-friday': [
    ['browse', 58],
    ['search', 20],
    ['cart', 12],
    ['checkout', 8],
    ['login', 2],
  ],
  browse: [
    ['browse', 80],
    ['search', 20],
  ],
  checkout: [
    ['cart', 50],
    ['checkout', 50],
  ],
  /** Every service on the request path: what a chaos run needs to notice any instance dying. */
  /** An ordinary busy day at every service: reads dominate, a few percent of visits check out. */
  day: [
    ['browse', 56],
    ['search', 18],
    ['cart', 8],
    ['checkout', 3],
    ['login', 2],
    ['orders', 8],
    ['notifications', 5],
  ],
  everything: [
    ['browse', 48],
    ['search', 16],
    ['cart', 12],
    ['checkout', 8],
    ['login', 4],
    ['orders', 6],
    ['notifications', 6],
  ],
};

const SEARCH_TERMS = [
  'headphones',
  'hedphones',
  'lamp',
  'running shoes',
  'coffee',
  'laptop',
  'garden hose',
  'yoga mat',
  'novel',
  'lego',
];

/**
 * Shoppers acting on the public API: each request is of a kind drawn from the
 * profile, by a random shopper, on a product drawn by Zipf popularity.
 */
export class ShopMix {
  readonly #client: ShopClient;
  readonly #users: VirtualUser[];
  readonly #productIds: string[];
  readonly #random: () => number;
  readonly #profile: Array<[Kind, number]>;
  readonly #popular: () => number;

  constructor(options: {
    client: ShopClient;
    users: VirtualUser[];
    productIds: string[];
    random: () => number;
    profile: Array<[Kind, number]>;
  }) {
    if (options.users.length === 0 || options.productIds.length === 0)
      throw new Error('a mix needs shoppers and products');
    this.#client = options.client;
    this.#users = options.users;
    this.#productIds = options.productIds;
    this.#random = options.random;
    this.#profile = options.profile;
    this.#popular = zipf(options.productIds.length, 1.1, options.random);
  }

  /**
   * The next request of the mix, for openLoop: `send` resolves to its status; `answer` (instead of `send`)
   * to the whole answer, for whoever needs its headers or body (Retry-After, the order placed).
   */
  next(kind: Kind = this.pick()): {
    kind: Kind;
    user: VirtualUser;
    send: () => Promise<number | undefined>;
    answer: () => Promise<Answer>;
  } {
    const user = this.#users[Math.floor(this.#random() * this.#users.length)]!;
    return { kind, user, send: () => this.operation(kind, user), answer: () => this.answer(kind, user) };
  }

  pick(): Kind {
    const total = this.#profile.reduce((s, [, w]) => s + w, 0);
    let r = this.#random() * total;
    for (const [kind, weight] of this.#profile) {
      r -= weight;
      if (r <= 0) return kind;
    }
    return this.#profile[0]![0];
  }

  async operation(kind: Kind, user: VirtualUser): Promise<number | undefined> {
    return (await this.answer(kind, user)).status;
  }

  /** One request of `kind` by `user`; a checkout with an empty cart puts a product in it first (its answer is the checkout's). */
  async answer(kind: Kind, user: VirtualUser): Promise<Answer> {
    const product = this.#productIds[this.#popular()]!;
    const client = this.#client;
    switch (kind) {
      case 'browse':
        return client.call('GET', `/products/${product}`, { token: user.token, source: user.source });
      case 'search':
        return client.call(
          'GET',
          `/products?q=${encodeURIComponent(SEARCH_TERMS[Math.floor(this.#random() * SEARCH_TERMS.length)]!)}&limit=20`,
          { token: user.token, source: user.source },
        );
      case 'cart': {
        const result = await client.call('PUT', `/orders/cart/items/${product}`, {
          token: user.token,
          body: { quantity: 1 },
          source: user.source,
        });
        if (result.status !== undefined && result.status < 300) user.cartItems += 1;
        return result;
      }
      case 'checkout': {
        if (user.cartItems === 0) {
          await client.call('PUT', `/orders/cart/items/${product}`, {
            token: user.token,
            body: { quantity: 1 },
            source: user.source,
          });
          user.cartItems = 1;
        }
        const result = await client.checkout(user);
        if (result.status === 201 || result.status === 202) user.cartItems = 0;
        return result;
      }
      case 'login':
        return client.login(user);
      case 'orders':
        return client.call('GET', '/orders?limit=10', { token: user.token, source: user.source });
      case 'notifications':
        return client.call('GET', '/notifications', { token: user.token, source: user.source });
    }
  }
}

/** Signs up and logs in `count` shoppers a few at a time (argon2 is deliberately slow; a burst is shed). */
export async function prepareShoppers(
  client: ShopClient,
  run: string,
  count: number,
  concurrency = 4,
): Promise<VirtualUser[]> {
  const users: VirtualUser[] = [];
  for (let i = 0; i < count; i += concurrency) {
    users.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(concurrency, count - i) }, (_, k) => client.signUpAndLogin(run, i + k)),
      )),
    );
  }
  return users;
}
