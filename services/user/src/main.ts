import { bootService } from '@shop/platform';
import { configSpec } from './config.ts';
import { createApp } from './createApp.ts';

// The only file of the user service that reads process.env and listens.
await bootService(
  { name: 'user', configSpec, migrations: new URL('../migrations/', import.meta.url), createApp },
  process.env,
);
