import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export interface TestProcess {
  readonly pid: number | undefined;
  /** SIGKILL, no chance to clean up; resolves once it is gone. */
  kill9(): Promise<void>;
  /** SIGTERM, then SIGKILL after 5 s. */
  stop(): Promise<void>;
  /** What it wrote to stderr, for failure messages. */
  stderr(): string;
}

/** Runs one of test/events/processes/<script>.ts as a child process on the same Node. */
export function spawnScript(script: 'relay' | 'consumer', env: Record<string, string>): TestProcess {
  const child: ChildProcess = spawn(
    process.execPath,
    [fileURLToPath(new URL(`./processes/${script}.ts`, import.meta.url))],
    {
      env: { ...process.env, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = once(child, 'exit').then(() => undefined);
  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null;
  return {
    pid: child.pid,
    kill9: async () => {
      if (!gone()) child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (gone()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
    stderr: () => stderr,
  };
}
