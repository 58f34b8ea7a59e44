// OpenAPI: the service's own document at /openapi.json, from the schemas that validate its routes
// (the gateway serves them together at /docs). Probes and /_ routes are left out.
import type { RouteOptions } from 'fastify';
import { openApiDocument } from '../openapi.ts';
import { OPS_PATHS, type ServiceApp } from '../serviceApp.ts';

/** Collects routes as they are added and serves the document built from them. */
export function registerOpenApi(app: ServiceApp, info: { title: string; version: string }): void {
  const documented: RouteOptions[] = [];
  app.addHook('onRoute', (route) => {
    if (!OPS_PATHS.has(route.url) && route.url !== '/openapi.json' && !route.url.startsWith('/_'))
      documented.push(route);
  });
  app.get('/openapi.json', () => openApiDocument(info, documented));
}
