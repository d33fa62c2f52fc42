/**
 * The `wharf` command tree. Each subcommand lives in its own module and is
 * registered here.
 */
import { Command } from 'commander';
import packageJson from '../../package.json' with { type: 'json' };
import { registerDlq } from './commands/dlq.ts';
import { registerIngress } from './commands/ingress.ts';
import { registerReplay } from './commands/replay.ts';
import { registerSchemas } from './commands/schemas.ts';
import { registerSend } from './commands/send.ts';
import { registerStart } from './commands/start.ts';
import { registerStatus } from './commands/status.ts';
import { registerTail } from './commands/tail.ts';
import { registerTransform } from './commands/transform.ts';
import { registerWorker } from './commands/worker.ts';

/** Builds the command tree; tests run it without a child process. */
export function buildProgram(): Command {
  const program = new Command('wharf')
    .description(
      'Logistics webhooks into Kafka: ingress, validation, canonical normalization and routing.',
    )
    .version(packageJson.version)
    .showHelpAfterError()
    // Errors become exceptions (main.ts turns usage errors into exit code 2).
    .exitOverride();
  registerIngress(program);
  registerWorker(program);
  registerTransform(program);
  registerStart(program);
  registerStatus(program);
  registerSend(program);
  registerTail(program);
  registerDlq(program);
  registerReplay(program);
  registerSchemas(program);
  return program;
}
