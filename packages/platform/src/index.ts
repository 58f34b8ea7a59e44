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
export { env, loadConfig, ConfigError, baseServiceSpec, type BaseServiceConfig, type ConfigOf } from './config.ts';
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
export { serve, type ServeOptions } from './serve.ts';
export {
  bootService,
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
