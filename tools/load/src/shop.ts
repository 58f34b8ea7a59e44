import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';

/** One call's answer: what a report or a test needs to tell served from shed from failed. */
export interface Answer {
  /** undefined: no answer (a reset, a refused connection, a timeout). */
  status: number | undefined;
  json: unknown;
  /** The Retry-After header, if any: a shedding 503 says when to come back. */
  retryAfter: string | undefined;
  contentType: string | undefined;
  /** For no answer: the transport error's code (UND_ERR_HEADERS_TIMEOUT, ECONNRESET, ...). */
  error?: string;
}

export interface VirtualUser {
  email: string;
  password: string;
  token: string | undefined;
  cartItems: number;
  /** Which of the client's source addresses this shopper sends from. */
  source: number;
}

/**
 * The public API as a shopper uses it (DESIGN.md's table), over keep-alive
 * connections. Every call resolves to its status (undefined for a transport
 * error); the load generator times it.
 *
 * Real shoppers come from many addresses, and the platform caps what one
 * address may do (sign-ups, connections, requests in flight). With `sources`
 * above 1 the client sends each shopper's calls from one of that many
 * loopback addresses (127.0.1.1, 127.0.1.2, ...), which Linux routes to a
 * platform on 127.0.0.1 like any other.
 */
export class ShopClient {
  readonly #base: string;
  readonly #agents: Agent[];
  readonly #timeoutMs: number;
  /** Failed answers by status and problem code (`503 CIRCUIT_OPEN`): what a report needs to say why. */
  readonly problems = new Map<string, number>();

  /** `timeoutMs`: how long a call waits for its answer before it counts as a transport failure. */
  constructor(base: string, connections = 512, sources = 1, timeoutMs = 10_000) {
    this.#base = base.replace(/\/$/, '');
    this.#timeoutMs = timeoutMs;
    if (!Number.isInteger(sources) || sources < 1 || sources > 250 * 250)
      throw new RangeError(`sources must be 1 to 62500, got ${sources}`);
    const perAgent = Math.max(1, Math.ceil(connections / sources));
    this.#agents = Array.from(
      { length: sources },
      (_, k) =>
        new Agent({
          connections: perAgent,
          keepAliveTimeout: 30_000,
          pipelining: 1,
          ...(sources > 1 ? { localAddress: sourceAddress(k) } : {}),
        }),
    );
  }

  get sources(): number {
    return this.#agents.length;
  }

  async call(
    method: string,
    path: string,
    options: {
      token?: string;
      body?: unknown;
      headers?: Record<string, string>;
      timeoutMs?: number;
      source?: number;
    } = {},
  ): Promise<Answer> {
    try {
      const response = await request(this.#base + path, {
        dispatcher: this.#agents[(options.source ?? 0) % this.#agents.length],
        method: method as 'GET',
        headers: {
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...options.headers,
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        headersTimeout: options.timeoutMs ?? this.#timeoutMs,
        bodyTimeout: options.timeoutMs ?? this.#timeoutMs,
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
      const header = (name: string): string | undefined => {
        const value = response.headers[name];
        return Array.isArray(value) ? value.join(', ') : value;
      };
      return {
        status: response.statusCode,
        json,
        retryAfter: header('retry-after'),
        contentType: header('content-type'),
      };
    } catch (error) {
      const code = (error as { code?: string }).code ?? (error as Error).name;
      this.#count(`transport ${code}`);
      return { status: undefined, json: undefined, retryAfter: undefined, contentType: undefined, error: code };
    }
  }

  #count(label: string): void {
    this.problems.set(label, (this.problems.get(label) ?? 0) + 1);
  }

  // Like Stripe's client libraries, every POST carries an Idempotency-Key, so
  // the balancer, the gateway and the mesh may retry it when an instance dies
  // with the request in flight.

  async login(user: VirtualUser): Promise<Answer> {
    const result = await this.call('POST', '/users/sessions', {
      body: { email: user.email, password: user.password },
      headers: { 'idempotency-key': randomUUID() },
      source: user.source,
    });
    const token = (result.json as { accessToken?: string } | undefined)?.accessToken;
    if (token) user.token = token;
    return result;
  }

  async signUpAndLogin(run: string, i: number): Promise<VirtualUser> {
    const user: VirtualUser = {
      email: `load-${run}-${i}@example.com`,
      password: `load test password ${run}`,
      token: undefined,
      cartItems: 0,
      source: i % this.#agents.length,
    };
    await this.call('POST', '/users', {
      body: { email: user.email, password: user.password, name: `Shopper ${i}` },
      headers: { 'idempotency-key': randomUUID() },
      source: user.source,
    });
    await this.login(user);
    return user;
  }

  /** Product ids from the catalogue, in the catalogue's default order (rank 0 is the most popular). */
  async productIds(max: number): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    while (ids.length < max) {
      const page = await this.call(
        'GET',
        `/products?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      const body = page.json as
        | { items?: Array<{ id: string; availability?: { available?: boolean } }>; nextCursor?: string | null }
        | undefined;
      // Shoppers browse what is for sale; out-of-stock pages would only measure 422s.
      for (const item of body?.items ?? []) if (item.availability?.available !== false) ids.push(item.id);
      cursor = body?.nextCursor ?? undefined;
      if (!cursor || (body?.items ?? []).length === 0) break;
    }
    return ids;
  }

  checkout(user: VirtualUser): Promise<Answer> {
    return this.call('POST', '/orders', {
      token: user.token,
      body: {},
      headers: { 'idempotency-key': randomUUID() },
      source: user.source,
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.#agents.map((agent) => agent.close()));
  }
}

/** The k-th source address: 127.0.1.1 upwards, 250 to a /24. */
export function sourceAddress(k: number): string {
  return `127.0.${1 + Math.floor(k / 250)}.${1 + (k % 250)}`;
}
