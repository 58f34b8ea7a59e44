import { bootService } from '@shop/platform';
import { configSpec } from './config.ts';
import { createApp } from './createApp.ts';

// The only file of the payment service that reads process.env and listens.
await bootService(
  { name: 'payment', configSpec, migrations: new URL('../migrations/', import.meta.url), createApp },
  process.env,
);
