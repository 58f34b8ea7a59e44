export { BackendSet, type Backend, type BackendPolicy } from './backends.ts';
export { RetryBudget, type RetryBudgetOptions } from './retryBudget.ts';
export {
  createMeshClient,
  defaultMeshPolicy,
  DEADLINE_HEADER,
  readWhole,
  type MeshClient,
  type MeshClientOptions,
  type MeshPolicy,
  type MeshEvent,
  type MeshListener,
} from './meshClient.ts';
export {
  AttemptFailure,
  ATTEMPT_TIMED_OUT,
  failureCode,
  failureKindOf,
  failureLabel,
  type FailureKind,
} from './failure.ts';
export { peerIdentityCheck } from './transport.ts';
export { DnsRegistry, type DnsRegistryOptions } from './dnsRegistry.ts';
export {
  StaticRegistry,
  startRegistration,
  watchInstances,
  watchServices,
  type InstanceRecord,
  type Registry,
  type Registration,
} from './registry.ts';
export {
  MeshError,
  type MeshErrorCode,
  type PeerClient,
  type PeerRequest,
  type PeerResponse,
  type RawPeerRequest,
  type RawPeerResponse,
} from './types.ts';
export { spiffeId, identityOf, TRUST_DOMAIN } from './identity.ts';
export type { PemBundle } from './pki.ts';
export { activeDeadline, detachedFromDeadline, withDeadline } from './deadline.ts';
export {
  activeCriticality,
  CRITICALITIES,
  CRITICALITY_HEADER,
  criticalityOfRank,
  criticalityRank,
  DEFAULT_CRITICALITY,
  withCriticality,
  type Criticality,
} from './criticality.ts';
