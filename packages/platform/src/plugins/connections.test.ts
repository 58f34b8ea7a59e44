import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lingerOver, registerConnections } from './connections.ts';
import { bareApp } from './testApp.ts';

test('while draining every response closes its connection', async () => {
  const { app } = bareApp();
  const lifecycle = { draining: false };
  registerConnections(app, { lifecycle, bodyLimit: 1024 });
  app.get('/', () => 'ok');
  assert.notEqual((await app.inject({ url: '/' })).headers.connection, 'close');
  lifecycle.draining = true;
  assert.equal((await app.inject({ url: '/' })).headers.connection, 'close');
});

test('a 413 lingers only for a body a few times the limit, declared in digits', () => {
  assert.equal(lingerOver('4096', 1024), true);
  assert.equal(lingerOver('4097', 1024), false);
  assert.equal(lingerOver(undefined, 1024), false);
  assert.equal(lingerOver('1e3', 1024), false);
});
