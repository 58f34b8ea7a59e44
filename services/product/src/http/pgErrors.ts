import { AppError } from '@shop/platform';

/**
 * The last line of defence behind the schemas: a value PostgreSQL refuses
 * (class 22, data exception) is the client's bad input, and a broken
 * constraint (unique, check) is a conflict with the current state. Neither
 * is ever a 500.
 */
export function pgError(error: unknown): AppError | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return undefined;
  if (code.startsWith('22'))
    return new AppError('VALIDATION_FAILED', {
      detail: 'A value in the request is out of range or malformed',
      cause: error,
    });
  if (code === '23505')
    return new AppError('CONFLICT', { detail: 'Something with this key already exists', cause: error });
  if (code === '23514')
    return new AppError('CONFLICT', { detail: 'The change would break a stock or catalog invariant', cause: error });
  return undefined;
}
