/**
 * Checking a payload against its contract, with compiled validators (one per
 * type, built on first use). Consumers call parsePayload on what they read: a
 * payload that breaks the contract throws, so the event is retried and then
 * dead-lettered, never half-applied. Fields a contract does not name are
 * allowed (a producer may add one before its consumers read it).
 */
import { Compile, type Validator } from 'typebox/compile';
import { contractOf, type EventPayload, type EventType } from './catalog.ts';

export class InvalidPayloadError extends Error {
  override name = 'InvalidPayloadError';
}

const validators = new Map<string, Validator>();

/** The compiled validator of `type`'s payload (undefined for a type without a contract). */
export function payloadValidator(type: string): Validator | undefined {
  let validator = validators.get(type);
  if (!validator) {
    const contract = contractOf(type);
    if (!contract) return undefined;
    validator = Compile(contract.payload);
    validators.set(type, validator);
  }
  return validator;
}

/** Up to `max` problems of `payload` against `type`'s contract, as "path message" (empty: valid). */
export function payloadProblems(type: string, payload: unknown, max = 3): string[] {
  const validator = payloadValidator(type);
  if (!validator) return [`no contract declares ${type}`];
  if (validator.Check(payload)) return [];
  return [...validator.Errors(payload)].slice(0, max).map((e) => `${e.instancePath || '/'} ${e.message}`);
}

/** `payload` typed as `type`'s; throws InvalidPayloadError naming what breaks the contract. */
export function parsePayload<T extends EventType>(type: T, payload: unknown): EventPayload<T> {
  const problems = payloadProblems(type, payload);
  if (problems.length > 0) throw new InvalidPayloadError(`${type} payload is invalid: ${problems.join('; ')}`);
  return payload as EventPayload<T>;
}
