export { createSandbox, type SandboxOptions } from './createSandbox.ts';
export { SandboxStore, type Intent, type Refund } from './store.ts';
export type { FaultSettings } from './faults.ts';
