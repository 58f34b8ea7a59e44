// The configuration registry: every kind of process the platform runs, and the variables it reads.
// The launcher passes an instance exactly the names its kind declares; docs/configuration.md is
// generated from it (docs.ts); each entry point loads its kind's spec and nothing else reads env.
import type { Spec } from '../config.ts';
import { gatewaySpec, lbSpec } from './edge.ts';
import { baseServiceSpec } from './pieces.ts';
import { analyticsSpec, notificationSpec, orderSpec, paymentSpec, productSpec, userSpec } from './services.ts';
import { eventsCliSpec, mailSinkSpec, paymentSandboxSpec, traceCollectorSpec } from './tools.ts';

/** The shop services' own variables (bootService adds baseServiceSpec). */
export const serviceSpecs = {
  user: userSpec,
  product: productSpec,
  order: orderSpec,
  payment: paymentSpec,
  notification: notificationSpec,
  analytics: analyticsSpec,
} as const;

export type ServiceKind = keyof typeof serviceSpecs;

const composedServices = Object.fromEntries(
  Object.entries(serviceSpecs).map(([name, own]) => [name, { ...baseServiceSpec, ...own }]),
) as { [K in ServiceKind]: typeof baseServiceSpec & (typeof serviceSpecs)[K] };

/** Every process kind, by the name the launcher's topology uses, with its whole spec. */
export const processKinds = {
  ...composedServices,
  gateway: gatewaySpec,
  lb: lbSpec,
  'payment-sandbox': paymentSandboxSpec,
  'mail-sink': mailSinkSpec,
  'trace-collector': traceCollectorSpec,
  'events-cli': eventsCliSpec,
} satisfies Record<string, Spec>;

export type ProcessKind = keyof typeof processKinds;

/** Whether `name` is a variable processes of `kind` read. */
export function declares(kind: ProcessKind, name: string): boolean {
  return Object.hasOwn(processKinds[kind], name);
}
