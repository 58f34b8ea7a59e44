// The one way an entry point reads its environment: load its kind's spec, or exit 78 naming
// every bad variable (EX_CONFIG), so a supervisor does not restart a process that cannot start.
import { ConfigError, loadConfig, type ConfigOf, type Spec } from '../config.ts';

/**
 * `loadConfig(spec, source)`, then `check` (cross-variable rules, throwing ConfigError); on a
 * ConfigError writes "<process>: <problems>" to stderr and exits 78.
 */
export function loadConfigOrExit<S extends Spec>(
  entry: { name: string; spec: S; check?: (config: ConfigOf<S>) => void },
  source: Record<string, string | undefined>,
): ConfigOf<S> {
  try {
    const config = loadConfig(entry.spec, source);
    entry.check?.(config);
    return config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${entry.name}: ${error.message}\n`);
    process.exit(78);
  }
}
