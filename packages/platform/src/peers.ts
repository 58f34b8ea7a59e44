import { Agent, errors as undiciErrors, request as undiciRequest, type Dispatcher } from 'undici';
import { AppError } from './errors.ts';

/**
 * Calls to another service's instances. Today: keep-alive connections,
 * round-robin, a timeout on every call, and failover to the next instance when
 * a connection is refused (the request never arrived, so any method is safe),
 * or on other transport errors for idempotent calls. The mesh issue replaces
 * the internals (mTLS, breakers, budgets, discovery); callers keep this shape.
 */
export interface PeerRequest {
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string | string[] | undefined>;
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

export interface RawPeerRequest extends Omit<PeerRequest, 'body'> {
  /** Sent as is (a proxy forwards bytes it has not parsed). */
  body?: Buffer | string;
  /** Idle time allowed between body chunks; 0 for long-lived streams (SSE). Defaults to timeoutMs. */
  bodyTimeoutMs?: number;
}

export interface RawPeerResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
  /** Which instance answered. */
  upstream: string;
}

export interface PeerClient {
  readonly service: string;
  request<T = unknown>(request: PeerRequest): Promise<PeerResponse<T>>;
  /** Streams the response (SSE, proxies); the caller must consume or destroy the body. */
  requestRaw(request: RawPeerRequest): Promise<RawPeerResponse>;
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

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

export function createPeerClient(options: PeerClientOptions): PeerClient {
  if (options.urls.length === 0) throw new Error(`No instances configured for peer service "${options.service}"`);
  const agent = new Agent({ keepAliveTimeout: 10_000, connections: 128, pipelining: 1 });
  let next = 0;

  const send = async (req: RawPeerRequest, timeouts: { headers: number; body: number } | undefined): Promise<RawPeerResponse> => {
    const idempotent = req.idempotent ?? (IDEMPOTENT_METHODS.has(req.method) || req.headers?.['idempotency-key'] !== undefined);
    const start = next++ % options.urls.length;
    let lastError: unknown;
    for (let attempt = 0; attempt < options.urls.length; attempt++) {
      const base = options.urls[(start + attempt) % options.urls.length]!;
      try {
        const response = await undiciRequest(base + req.path, {
          dispatcher: agent,
          method: req.method as 'GET',
          headers: { 'x-caller': options.caller, ...req.headers },
          body: req.body,
          signal: req.signal,
          ...(timeouts ? { headersTimeout: timeouts.headers, bodyTimeout: timeouts.body } : {}),
        });
        return { status: response.statusCode, headers: response.headers, body: response.body, upstream: base };
      } catch (error) {
        lastError = error;
        const code = (error as { code?: string }).code;
        const refused = code === 'ECONNREFUSED';
        const transport = error instanceof undiciErrors.UndiciError || refused || code === 'ECONNRESET' || code === 'EPIPE';
        const aborted = req.signal?.aborted === true;
        if (aborted || !(refused || (idempotent && transport))) break;
      }
    }
    const timedOut = lastError instanceof undiciErrors.HeadersTimeoutError || (lastError instanceof Error && (lastError.name === 'TimeoutError' || lastError.name === 'AbortError'));
    throw new AppError(timedOut ? 'DEADLINE_EXCEEDED' : 'DEPENDENCY_UNAVAILABLE', {
      retryAfter: 1,
      detail: `The ${options.service} service did not answer${timedOut ? ' in time' : ''}`,
      cause: lastError,
    });
  };

  return {
    service: options.service,
    async request<T>(req: PeerRequest): Promise<PeerResponse<T>> {
      const timeoutMs = req.timeoutMs ?? options.defaultTimeoutMs ?? 5000;
      const signals = [AbortSignal.timeout(timeoutMs)];
      if (req.signal) signals.push(req.signal);
      const hasBody = req.body !== undefined;
      const response = await send(
        {
          ...req,
          body: hasBody ? JSON.stringify(req.body) : undefined,
          headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...req.headers },
          signal: AbortSignal.any(signals),
        },
        undefined,
      );
      let text: string;
      try {
        text = await response.body.text();
      } catch (error) {
        throw new AppError('DEADLINE_EXCEEDED', { retryAfter: 1, detail: `The ${options.service} service did not finish answering in time`, cause: error });
      }
      let body: unknown = text;
      if (text !== '' && /json/.test(String(response.headers['content-type'] ?? ''))) body = JSON.parse(text);
      return { status: response.status, headers: response.headers, body: body as T };
    },
    requestRaw: (req) => {
      const timeout = req.timeoutMs ?? options.defaultTimeoutMs ?? 5000;
      return send(req, { headers: timeout, body: req.bodyTimeoutMs ?? timeout });
    },
    close: () => agent.close(),
  };
}
