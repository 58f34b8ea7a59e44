// The only file of the payment service that reads process.env and listens.
import { runService } from '@shop/platform';
import { configSpec } from './config.ts';
import { createApp } from './createApp.ts';

await runService(import.meta.url, { name: 'payment', configSpec, createApp }, process.env);
