export * from './order.ts';
export * from './cart.ts';
export * from './idempotency.ts';
export * from './ports.ts';
export * from './orderHistory.ts';
export * from './declineLimit.ts';
