// The only file of the analytics service that reads process.env and listens.
import { runService } from '@shop/platform';
import { configSpec } from './config.ts';
import { createApp } from './createApp.ts';

await runService(import.meta.url, { name: 'analytics', configSpec, createApp }, process.env);
