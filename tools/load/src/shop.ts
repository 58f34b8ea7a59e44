import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';

export interface Outcome {
  status: number | undefined;
}

export interface VirtualUser {
  email: string;
  password: string;
  token: string | undefined;
  cartItems: number;
}

/**
 * The public API as a shopper uses it (DESIGN.md's table), over keep-alive
 * connections. Every call resolves to its status (undefined for a transport
 * error); the load generator times it.
 */
export class ShopClient {
  readonly #base: string;
  readonly #agent: Agent;
  /** Failed answers by status and problem code (`503 CIRCUIT_OPEN`): what a report needs to say why. */
  readonly problems = new Map<string, number>();

  constructor(base: string, connections = 512) {
    this.#base = base.replace(/\/$/, '');
    this.#agent = new Agent({ connections, keepAliveTimeout: 30_000, pipelining: 1 });
  }

  async call(method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<{ status: number | undefined; json: unknown }> {
    try {
      const response = await request(this.#base + path, {
        dispatcher: this.#agent,
        method: method as 'GET',
        headers: { ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...options.headers },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        headersTimeout: options.timeoutMs ?? 10_000,
        bodyTimeout: options.timeoutMs ?? 10_000,
      });
      const text = await response.body.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      if (response.statusCode >= 500 || response.statusCode === 429 || response.statusCode === 409) {
        const code = (json as { code?: unknown } | undefined)?.code;
        this.#count(`${response.statusCode} ${typeof code === 'string' ? code : '-'}`);
      }
      return { status: response.statusCode, json };
    } catch (error) {
      this.#count(`transport ${(error as { code?: string }).code ?? (error as Error).name}`);
      return { status: undefined, json: undefined };
    }
  }

  #count(label: string): void {
    this.problems.set(label, (this.problems.get(label) ?? 0) + 1);
  }

  // Like Stripe's client libraries, every POST carries an Idempotency-Key, so
  // the balancer, the gateway and the mesh may retry it when an instance dies
  // with the request in flight.

  async login(user: VirtualUser): Promise<Outcome> {
    const result = await this.call('POST', '/users/sessions', { body: { email: user.email, password: user.password }, headers: { 'idempotency-key': randomUUID() } });
    const token = (result.json as { accessToken?: string } | undefined)?.accessToken;
    if (token) user.token = token;
    return result;
  }

  async signUpAndLogin(run: string, i: number): Promise<VirtualUser> {
    const user: VirtualUser = { email: `load-${run}-${i}@example.com`, password: `load test password ${run}`, token: undefined, cartItems: 0 };
    await this.call('POST', '/users', { body: { email: user.email, password: user.password, name: `Shopper ${i}` }, headers: { 'idempotency-key': randomUUID() } });
    await this.login(user);
    return user;
  }

  /** Product ids from the catalogue, in the catalogue's default order (rank 0 is the most popular). */
  async productIds(max: number): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    while (ids.length < max) {
      const page = await this.call('GET', `/products?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      const body = page.json as { items?: Array<{ id: string; availability?: { available?: boolean } }>; nextCursor?: string | null } | undefined;
      // Shoppers browse what is for sale; out-of-stock pages would only measure 422s.
      for (const item of body?.items ?? []) if (item.availability?.available !== false) ids.push(item.id);
      cursor = body?.nextCursor ?? undefined;
      if (!cursor || (body?.items ?? []).length === 0) break;
    }
    return ids;
  }

  checkout(user: VirtualUser): Promise<{ status: number | undefined; json: unknown }> {
    return this.call('POST', '/orders', { token: user.token, body: {}, headers: { 'idempotency-key': randomUUID() } });
  }

  close(): Promise<void> {
    return this.#agent.close();
  }
}
