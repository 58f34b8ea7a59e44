import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ownedPeers } from './ownedPeers.ts';
import type { PeerClient } from './peers.ts';

test("main's peers win: deps.peer answers, and nothing is owned to close", async () => {
  const asked: string[] = [];
  const fromMain = { close: () => Promise.reject(new Error('main closes its own')) } as unknown as PeerClient;
  const peers = ownedPeers(
    {
      peer: (service) => {
        asked.push(service);
        return fromMain;
      },
    },
    'order',
  );
  assert.equal(peers.peer('product', undefined), fromMain);
  assert.deepEqual(asked, ['product']);
  assert.equal(peers.fromMain, true);
  await peers.close();
});

test('without deps.peer it makes one client per service from its URLs, and closes those', async () => {
  const peers = ownedPeers({}, 'order');
  assert.equal(peers.fromMain, false);
  const product = peers.peer('product', 'http://127.0.0.1:1');
  assert.equal(peers.peer('product', 'http://127.0.0.1:1'), product);
  assert.notEqual(peers.peer('payment', 'http://127.0.0.1:2'), product);
  await peers.close();
});
