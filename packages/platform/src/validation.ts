import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify';
import type { FieldError } from './errors.ts';

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * Two validators: query strings, params and headers arrive as text and are
 * coerced to the schema's types; bodies are JSON and must already have the right
 * types (`{"quantity": true}` is an error, not 1). Unknown body fields are refused,
 * never silently dropped, so a client learns about its typo.
 */
export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const common = { allErrors: false, useDefaults: true, removeAdditional: false, strict: false } as const;
  const bodyAjv = withPlainUuid(addFormats(new Ajv({ ...common, coerceTypes: false })));
  const textAjv = withPlainUuid(addFormats(new Ajv({ ...common, coerceTypes: 'array' })));
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? bodyAjv : textAjv;
    const validate: ValidateFunction = ajv.compile(schema as object);
    return (data: unknown) => (validate(data) ? { value: data } : { error: validate.errors as unknown as Error });
  };
}

/**
 * ajv-formats' `uuid` also accepts `urn:uuid:…`, which PostgreSQL's uuid type
 * refuses: a schema-valid id would reach the database and fail there. Our ids are
 * the bare 36-character form only.
 */
const PLAIN_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
function withPlainUuid(ajv: Ajv): Ajv {
  return ajv.addFormat('uuid', PLAIN_UUID);
}

const partNames: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };

/** Turns ajv's errors into fields a client can act on: `body/email`, `query/limit`. */
export function fieldErrors(
  errors: readonly FastifySchemaValidationError[],
  context: string | undefined,
): FieldError[] {
  const part = partNames[context ?? 'body'] ?? context ?? 'body';
  return errors.map((error) => {
    const e = error as unknown as ErrorObject;
    const params = e.params as Record<string, unknown>;
    let path = e.instancePath;
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'required' && typeof params.missingProperty === 'string') {
      path = `${path}/${params.missingProperty}`;
      message = 'is required';
    } else if (e.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
      path = `${path}/${params.additionalProperty}`;
      message = 'is not an allowed field';
    }
    return { field: `${part}${path}`, message };
  });
}
