import type { RouteOptions } from 'fastify';

type JsonObject = { properties?: Record<string, unknown>; required?: string[] };
const WHERE = { params: 'path', querystring: 'query', headers: 'header' } as const;

/** An OpenAPI 3.1 document from the routes' own schemas (TypeBox is JSON Schema), so it cannot drift from validation. */
export function openApiDocument(info: { title: string; version: string }, routes: RouteOptions[]): object {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const methods = (Array.isArray(route.method) ? route.method : [route.method])
      .map((m) => String(m).toLowerCase())
      .filter((m) => m !== 'head');
    const schema = (route.schema ?? {}) as {
      params?: JsonObject;
      querystring?: JsonObject;
      headers?: JsonObject;
      body?: unknown;
      response?: Record<string, unknown>;
    };
    const parameters = (['params', 'querystring', 'headers'] as const).flatMap((part) =>
      Object.entries(schema[part]?.properties ?? {}).map(([name, s]) => ({
        name,
        in: WHERE[part],
        required: part === 'params' || (schema[part]?.required ?? []).includes(name),
        schema: s,
      })),
    );
    const responses = Object.fromEntries(
      Object.entries(schema.response ?? { 200: undefined }).map(([status, s]) => [
        status,
        { description: `HTTP ${status}`, ...(s ? { content: { 'application/json': { schema: s } } } : {}) },
      ]),
    );
    const operation = {
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(schema.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: schema.body } } } }
        : {}),
      responses,
    };
    for (const method of methods) (paths[route.url.replace(/:(\w+)/g, '{$1}')] ??= {})[method] = operation;
  }
  return { openapi: '3.1.0', info, paths };
}
