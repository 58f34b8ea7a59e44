import type { Dispatcher } from 'undici';

/**
 * The shape every caller of another service uses. The mesh implements it; the
 * platform re-exports it, so services depend on the contract, not the engine.
 */
export interface PeerRequest {
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string | string[] | undefined>;
  /** Safe to send twice: GET/PUT/DELETE, or a request carrying an Idempotency-Key. Defaults from method and headers. */
  idempotent?: boolean;
  /** Total budget of the call, retries included. */
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
  /** Idle time allowed between body chunks; 0 for long-lived streams (SSE). */
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

export type MeshErrorCode = 'DEPENDENCY_UNAVAILABLE' | 'DEADLINE_EXCEEDED' | 'OVERLOADED';

/** Why a call did not produce an answer; the platform maps it to its error catalogue. */
export class MeshError extends Error {
  readonly code: MeshErrorCode;
  readonly retryAfter: number;
  constructor(code: MeshErrorCode, message: string, options: { retryAfter?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'MeshError';
    this.code = code;
    this.retryAfter = options.retryAfter ?? 1;
  }
}
