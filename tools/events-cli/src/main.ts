// npm run events -- list | redrive <id>: dead letters on whichever bus the
// environment names (NATS_URL, else EVENTS_DATABASE_URL). The only file of the
// tool that reads process.env.
import { createEventBus } from '@shop/events';
import { eventsCliSpec, loadConfigOrExit } from '@shop/platform';
import { parseCommand, runCommand, USAGE, UsageError, type Command } from './commands.ts';

let command: Command;
try {
  command = parseCommand(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`events: ${error.message}\n\n${USAGE}\n`);
  process.exit(64);
}
if (command.name === 'help') {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const config = loadConfigOrExit({ name: 'events', spec: eventsCliSpec }, process.env);
const bus = createEventBus(
  { NATS_URL: config.NATS_URL, EVENTS_DATABASE_URL: config.EVENTS_DATABASE_URL },
  { namespace: config.EVENTS_NAMESPACE, poolMax: 1, listen: false, name: 'events-cli' },
);
if (!bus) {
  process.stderr.write('events: set NATS_URL (JetStream) or EVENTS_DATABASE_URL (the PostgreSQL event log)\n');
  process.exit(78);
}
try {
  await bus.ready();
  const { output, exitCode } = await runCommand(command, bus);
  process.stdout.write(`${output}\n`);
  process.exitCode = exitCode;
} catch (error) {
  process.stderr.write(`events: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await bus.close();
}
