import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from 'typebox';
import { registerOpenApi } from './openapiRoute.ts';
import { bareApp } from './testApp.ts';

test('/openapi.json documents the routes, not the probes or the /_ ones', async () => {
  const { app } = bareApp();
  registerOpenApi(app, { title: 'test service', version: '1' });
  app.get('/health', () => 'ok');
  app.get('/_chaos/faults', () => 'ok');
  app.post('/items', { schema: { body: Type.Object({ name: Type.String() }) } }, () => 'ok');
  const doc = (await app.inject({ url: '/openapi.json' })).json<{ info: { title: string }; paths: object }>();
  assert.equal(doc.info.title, 'test service');
  assert.deepEqual(Object.keys(doc.paths), ['/items']);
});
