export * from './ports.ts';
export * from './provider.ts';
export * from './payment.ts';
export * from './refund.ts';
export * from './ledger.ts';
export * from './idempotency.ts';
