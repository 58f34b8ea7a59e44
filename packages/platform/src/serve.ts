// Listening and stopping: the service port, the plain-HTTP ops port beside it, and the graceful
// drain on SIGTERM, SIGINT or the launcher's going away.
import type { Logger } from './logger.ts';
import { createOpsApp } from './plugins/opsEndpoints.ts';
import type { Lifecycle, ServiceApp } from './serviceApp.ts';

export interface ServeOptions {
  host: string;
  port: number;
  /**
   * The ops listener: /health, /ready and /metrics over plain HTTP, no client certificate
   * (port 0 or unset: none). It answers from the app's own ops endpoints (same readiness,
   * same metrics) and closes last, so a probe sees the drain.
   */
  ops?: { host: string; port: number };
  logger: Logger;
  lifecycle: Lifecycle;
  shutdownTimeoutMs: number;
  /** Run first when draining starts, before the listener closes: deregister from discovery. */
  onDrain?: Array<() => Promise<void>>;
  /** Run after the listener has closed and in-flight requests finished: close pools. */
  onClose?: Array<() => Promise<void>>;
  /**
   * Under the launcher, stdin is a pipe from it: when the pipe closes the
   * launcher is gone (even by SIGKILL) and the instance shuts down rather
   * than live on as an orphan.
   */
  exitWithParent?: boolean;
}

/**
 * Listens, then on SIGTERM or SIGINT: fails readiness, stops accepting,
 * lets in-flight requests finish up to the deadline, runs the close hooks and
 * exits. Past the deadline it exits non-zero rather than hang.
 */
export async function serve(app: ServiceApp, options: ServeOptions): Promise<void> {
  await app.listen({ host: options.host, port: options.port });
  const ops = await listenOps(app, options);
  const shutdown = drainOnce(app, {
    ...options,
    onClose: [...(ops ? [() => ops.close()] : []), ...(options.onClose ?? [])],
  });
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  if (options.exitWithParent) {
    process.stdin.on('data', () => undefined);
    process.stdin.once('end', () => void shutdown('launcher gone'));
    process.stdin.once('error', () => void shutdown('launcher gone'));
  }
}

/** Starts the ops listener when one is asked for and the app has ops endpoints. */
async function listenOps(app: ServiceApp, options: ServeOptions): Promise<ServiceApp | undefined> {
  const endpoints = app.opsEndpoints;
  if (!options.ops || options.ops.port === 0 || !endpoints) return undefined;
  const ops = createOpsApp(endpoints);
  await ops.listen({ host: options.ops.host, port: options.ops.port });
  options.logger.info({ host: options.ops.host, port: options.ops.port }, 'ops listening');
  return ops;
}

/** The shutdown sequence, run at most once whatever asks for it first. */
function drainOnce(app: ServiceApp, options: ServeOptions): (reason: string) => Promise<void> {
  let stopping = false;
  const shutdown = async (reason: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    options.lifecycle.draining = true;
    options.logger.info({ reason }, 'shutting down');
    const deadline = setTimeout(() => {
      options.logger.error(
        { timeoutMs: options.shutdownTimeoutMs },
        'shutdown deadline passed; exiting with requests still in flight',
      );
      process.exit(1);
    }, options.shutdownTimeoutMs);
    deadline.unref();
    const sweeper = setInterval(() => app.server.closeIdleConnections(), 100);
    sweeper.unref();
    try {
      for (const hook of options.onDrain ?? [])
        await hook().catch((error: unknown) => options.logger.warn({ err: error }, 'drain hook failed'));
      await app.close();
      clearInterval(sweeper);
      for (const hook of options.onClose ?? []) await hook();
      options.logger.info('stopped');
      process.exit(0);
    } catch (error) {
      options.logger.error({ err: error }, 'error during shutdown');
      process.exit(1);
    }
  };
  return shutdown;
}
