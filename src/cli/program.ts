/**
 * The `wharf` command tree. Each subcommand lives in its own module and is
 * registered here.
 */
import { Command } from 'commander';
import packageJson from '../../package.json' with { type: 'json' };
import { registerIngress } from './commands/ingress.ts';

/** Builds the command tree; tests run it without a child process. */
export function buildProgram(): Command {
  const program = new Command('wharf')
    .description(
      'Logistics webhooks into Kafka: ingress, validation, canonical normalization and routing.',
    )
    .version(packageJson.version)
    .showHelpAfterError();
  registerIngress(program);
  return program;
}
