import { Agent, errors as undiciErrors, request as undiciRequest } from 'undici';
import { AppError } from './errors.ts';

/**
 * Calls to another service's instances. Today: keep-alive connections,
 * round-robin, a timeout on every call, and failover to the next instance when
 * a connection is refused (the request never arrived, so any method is safe),
 * or on other transport errors for idempotent calls. The mesh issue replaces
 * the internals (mTLS, breakers, budgets, discovery); callers keep this shape.
 */
export interface PeerRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Safe to send twice: GET, or a request carrying an idempotency key. Defaults from the method and headers. */
  idempotent?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface PeerResponse<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

export interface PeerClient {
  readonly service: string;
  request<T = unknown>(request: PeerRequest): Promise<PeerResponse<T>>;
  close(): Promise<void>;
}

export interface PeerClientOptions {
  service: string;
  urls: string[];
  defaultTimeoutMs?: number;
  /** Identity sent as `x-caller` until mTLS carries it. */
  caller: string;
}

export function parsePeerUrls(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}

export function createPeerClient(options: PeerClientOptions): PeerClient {
  if (options.urls.length === 0) throw new Error(`No instances configured for peer service "${options.service}"`);
  const agent = new Agent({ keepAliveTimeout: 10_000, connections: 64 });
  let next = 0;
  return {
    service: options.service,
    async request<T>(req: PeerRequest): Promise<PeerResponse<T>> {
      const idempotent = req.idempotent ?? (req.method === 'GET' || req.method === 'PUT' || req.method === 'DELETE' || req.headers?.['idempotency-key'] !== undefined);
      const start = next++ % options.urls.length;
      let lastError: unknown;
      for (let attempt = 0; attempt < options.urls.length; attempt++) {
        const base = options.urls[(start + attempt) % options.urls.length]!;
        const signals = [AbortSignal.timeout(req.timeoutMs ?? options.defaultTimeoutMs ?? 5000)];
        if (req.signal) signals.push(req.signal);
        try {
          const response = await undiciRequest(new URL(req.path, base), {
            dispatcher: agent,
            method: req.method,
            headers: { 'x-caller': options.caller, ...(req.body === undefined ? {} : { 'content-type': 'application/json' }), ...req.headers },
            body: req.body === undefined ? undefined : JSON.stringify(req.body),
            signal: AbortSignal.any(signals),
          });
          const text = await response.body.text();
          let body: unknown = text;
          if (text !== '' && /json/.test(String(response.headers['content-type'] ?? ''))) body = JSON.parse(text);
          return { status: response.statusCode, headers: response.headers, body: body as T };
        } catch (error) {
          lastError = error;
          const refused = (error as { code?: string }).code === 'ECONNREFUSED';
          const transport = error instanceof undiciErrors.UndiciError || refused || (error as { code?: string }).code === 'ECONNRESET';
          if (!(refused || (idempotent && transport))) break;
        }
      }
      const timedOut = lastError instanceof Error && (lastError.name === 'TimeoutError' || lastError.name === 'AbortError');
      throw new AppError(timedOut ? 'DEADLINE_EXCEEDED' : 'DEPENDENCY_UNAVAILABLE', {
        retryAfter: 1,
        detail: `The ${options.service} service did not answer${timedOut ? ' in time' : ''}`,
        cause: lastError,
      });
    },
    close: () => agent.close(),
  };
}
