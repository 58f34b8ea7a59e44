import type { Redis } from 'ioredis';
import type { RateLimitDecision, RateLimitStore } from './rateLimit.ts';

/**
 * The same GCRA as the in-memory store, as one Lua script so that every
 * gateway instance shares a user's budget and check-and-update is atomic.
 * The key's TTL is its own arrival time, so idle users cost no memory.
 * Uses the caller's clock (gateways' clocks agree to well within one interval).
 */
const SCRIPT = `
local tat = tonumber(redis.call('GET', KEYS[1]))
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local tolerance = interval * (burst - 1)
if tat == nil or tat < now then tat = now end
local allow_at = tat - tolerance
if now < allow_at then
  return {0, tostring(tat)}
end
local nxt = tat + interval
redis.call('SET', KEYS[1], tostring(nxt), 'PX', math.ceil(nxt - now) + 1000)
return {1, tostring(nxt)}
`;

export class RedisRateLimitStore implements RateLimitStore {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix = 'ratelimit:') {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#redis.defineCommand('gcraTake', { numberOfKeys: 1, lua: SCRIPT });
  }

  async take(key: string, ratePerSec: number, burst: number, nowMs: number): Promise<RateLimitDecision> {
    const interval = 1000 / ratePerSec;
    const [allowed, tatText] = await (
      this.#redis as unknown as { gcraTake(k: string, ...a: Array<string | number>): Promise<[number, string]> }
    ).gcraTake(`${this.#prefix}${key}`, nowMs, interval, burst);
    const tat = Number(tatText);
    const tolerance = interval * (burst - 1);
    if (allowed !== 1) {
      return {
        allowed: false,
        limit: burst,
        remaining: 0,
        retryAfterSec: Math.max(1, Math.ceil((tat - tolerance - nowMs) / 1000)),
        resetSec: Math.ceil((tat - nowMs) / 1000),
      };
    }
    const remaining = Math.max(0, Math.floor((tolerance - (tat - nowMs)) / interval) + 1);
    return { allowed: true, limit: burst, remaining, retryAfterSec: 0, resetSec: Math.ceil((tat - nowMs) / 1000) };
  }
}
