export { BackendSet, type Backend, type BackendPolicy } from './backends.ts';
export { RetryBudget, type RetryBudgetOptions } from './retryBudget.ts';
export { createMeshClient, defaultMeshPolicy, DEADLINE_HEADER, type MeshClientOptions, type MeshPolicy, type MeshEvent } from './meshClient.ts';
export { spiffeId, identityOf, TRUST_DOMAIN, type PemBundle } from './pki.ts';
