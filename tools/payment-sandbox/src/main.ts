// The only file of the sandbox that reads process.env and listens.
import { paymentSandboxSpec, serveProcess, startProcess } from '@shop/platform';
import { createSandbox } from './createSandbox.ts';

const started = startProcess({ service: 'payment-sandbox', spec: paymentSandboxSpec }, process.env);
const { config, logger } = started;
const lifecycle = { draining: false };
const app = createSandbox({
  logger,
  lifecycle,
  instance: config.INSTANCE_ID,
  faults: {
    latencyMs: config.SANDBOX_LATENCY_MS,
    errorRate: Number(config.SANDBOX_ERROR_RATE),
    dropRate: Number(config.SANDBOX_DROP_RATE),
  },
});
await serveProcess(app, started, { lifecycle, announce: 'payment sandbox' });
