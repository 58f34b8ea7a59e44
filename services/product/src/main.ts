import { bootService } from '@shop/platform';
import { configSpec } from './config.ts';
import { createApp } from './createApp.ts';

// The only file of the product service that reads process.env and listens.
await bootService(
  {
    name: 'product',
    configSpec,
    migrations: new URL('../migrations/', import.meta.url),
    createApp: (config, deps) => createApp(config, deps),
  },
  process.env,
);
