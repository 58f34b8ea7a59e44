import type { ConfigOf } from './config.ts';
import type { baseServiceSpec } from './config/pieces.ts';
export {
  AppError,
  isAppError,
  errorCatalogue,
  toProblem,
  problemType,
  type ErrorCode,
  type FieldError,
  type ProblemDocument,
} from './errors.ts';
export { env, loadConfig, ConfigError, type ConfigOf, type Field, type FieldDoc, type Spec } from './config.ts';
export {
  baseServiceSpec,
  databaseSpec,
  eventsSpec,
  httpSpec,
  meshSpec,
  peersSpec,
  pick,
  processSpec,
  redisSpec,
  telemetrySpec,
} from './config/pieces.ts';
export { analyticsSpec, notificationSpec, orderSpec, paymentSpec, productSpec, userSpec } from './config/services.ts';
export { gatewaySpec, lbSpec } from './config/edge.ts';
export { eventsCliSpec, mailSinkSpec, paymentSandboxSpec, traceCollectorSpec } from './config/tools.ts';
export { declares, processKinds, serviceSpecs, type ProcessKind, type ServiceKind } from './config/registry.ts';
export { configurationDocument, specTable } from './config/docs.ts';
export { loadConfigOrExit } from './config/loadOrExit.ts';
export type BaseServiceConfig = ConfigOf<typeof baseServiceSpec>;
export { createLogger, type Logger } from './logger.ts';
export { ServiceMetrics, type PoolStats } from './metrics.ts';
export { parseTraceparent, newTraceContext, type TraceContext } from './traceContext.ts';
export {
  createServiceApp,
  CLIENT_ADDRESS_HEADER,
  sendProblem,
  requestSignal,
  type ServiceApp,
  type ServiceAppOptions,
  type ReadinessCheck,
  type Lifecycle,
} from './createServiceApp.ts';
export { AdmissionQueue, type AdmissionListener, type Release, type ShedReason } from './admission/admissionQueue.ts';
export { GradientLimit, type GradientLimitOptions } from './admission/gradientLimit.ts';
export { adaptiveLimit } from './plugins/admission.ts';
export { createOpsApp, type OpsEndpointsOptions } from './plugins/opsEndpoints.ts';
export { serve, type ServeOptions } from './serve.ts';
export { serveProcess, startProcess, type StartedProcess } from './startProcess.ts';
export { ownedPeers, type OwnedPeers } from './ownedPeers.ts';
export {
  bootService,
  runService,
  createBaseApp,
  createDiscovery,
  dataError,
  loadMeshTls,
  type ServiceDeps,
  type ServiceDefinition,
} from './bootService.ts';
export { Type, type Static, type TSchema } from 'typebox';
export { detachedFromDeadline, readWhole } from '@shop/mesh';
export {
  createPeerClient,
  parsePeerUrls,
  meshError,
  type PeerClient,
  type PeerRequest,
  type PeerResponse,
  type PeerClientOptions,
  type RawPeerRequest,
  type RawPeerResponse,
} from './peers.ts';
export { canonicalPath, isCanonicalPath, type CanonicalPath } from './paths.ts';
export { unmappedAddress } from './addresses.ts';
