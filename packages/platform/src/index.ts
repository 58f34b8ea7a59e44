export { AppError, isAppError, errorCatalogue, toProblem, problemType, type ErrorCode, type FieldError, type ProblemDocument } from './errors.ts';
export { env, loadConfig, ConfigError, baseServiceSpec, type BaseServiceConfig, type ConfigOf } from './config.ts';
export { createLogger, type Logger } from './logger.ts';
export { ServiceMetrics, type PoolStats } from './metrics.ts';
export { parseTraceparent, newTraceContext, type TraceContext } from './traceContext.ts';
export { createServiceApp, sendProblem, type ServiceApp, type ServiceAppOptions, type ReadinessCheck, type Lifecycle } from './createServiceApp.ts';
export { serve, type ServeOptions } from './serve.ts';
export { bootService, createBaseApp, dataError, type ServiceDeps, type ServiceDefinition } from './bootService.ts';
export { Type, type Static, type TSchema } from 'typebox';
