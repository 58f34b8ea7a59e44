import type { Bindings, ChildLoggerOptions, Level, LevelWithSilentOrString, Logger } from 'pino';

type LogFn = Logger['info'];

/**
 * A request's logger, made only if the request logs. Creating a pino child
 * serialises its bindings every time; doing that for every request (twice:
 * Fastify's request id, then the trace id) cost more than the handler of a
 * product read. Bindings are collected, and the real child is built on the
 * first log call at an enabled level, then reused.
 */
export class LazyLogger {
  readonly #parent: Logger;
  readonly #bindings: Bindings;
  readonly #options: ChildLoggerOptions | undefined;
  #real: Logger | undefined;

  constructor(parent: Logger, bindings: Bindings, options?: ChildLoggerOptions) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  get level(): LevelWithSilentOrString {
    return this.#real?.level ?? this.#options?.level ?? this.#parent.level;
  }

  set level(level: LevelWithSilentOrString) {
    this.#materialise().level = level;
  }

  fatal: LogFn = (...args: unknown[]) => this.#log('fatal', args);
  error: LogFn = (...args: unknown[]) => this.#log('error', args);
  warn: LogFn = (...args: unknown[]) => this.#log('warn', args);
  info: LogFn = (...args: unknown[]) => this.#log('info', args);
  debug: LogFn = (...args: unknown[]) => this.#log('debug', args);
  trace: LogFn = (...args: unknown[]) => this.#log('trace', args);
  silent: LogFn = () => undefined;

  /** Adding bindings before anything was logged costs nothing. */
  child(bindings: Bindings, options?: ChildLoggerOptions): LazyLogger | Logger {
    if (!this.#real && options === undefined)
      return new LazyLogger(this.#parent, { ...this.#bindings, ...bindings }, this.#options);
    return this.#materialise().child(bindings, options);
  }

  isLevelEnabled(level: string): boolean {
    return (this.#real ?? this.#parent).isLevelEnabled(level);
  }

  #log(level: Level, args: unknown[]): void {
    if (!(this.#real ?? this.#parent).isLevelEnabled(level)) return;
    const logger = this.#materialise();
    Reflect.apply(logger[level], logger, args);
  }

  #materialise(): Logger {
    this.#real ??= this.#parent.child(this.#bindings, this.#options);
    return this.#real;
  }
}
