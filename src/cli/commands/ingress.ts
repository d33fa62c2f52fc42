/** `wharf ingress`: runs the webhook ingress until SIGTERM or SIGINT. */
import type { Command } from 'commander';
import { startIngress } from '../../ingress/server.ts';
import { serveUntilSignal } from './serve.ts';

/** Registers the command. */
export function registerIngress(program: Command): void {
  program
    .command('ingress')
    .description(
      'Serve the webhook endpoints (POST /webhooks/:source) and land each webhook in its raw topic. ' +
        'Configured by environment variables; every variable is in docs/reference/configuration.md.',
    )
    .action(() => serveUntilSignal('ingress', (config, logger) => startIngress(config, logger)));
}
