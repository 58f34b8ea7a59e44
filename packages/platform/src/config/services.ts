// Each shop service's own variables, beyond baseServiceSpec: one file per service (services/).
// They live in the registry, not in the service, so the launcher (which may not import a service)
// knows what each one reads.
export { userSpec } from './services/user.ts';
export { productSpec } from './services/product.ts';
export { orderSpec } from './services/order.ts';
export { paymentSpec } from './services/payment.ts';
export { notificationSpec } from './services/notification.ts';
export { analyticsSpec } from './services/analytics.ts';
