/** `wharf worker`: runs the worker until SIGTERM or SIGINT. */
import type { Command } from 'commander';
import { providerAdapters } from '../../providers/index.ts';
import { startWorker } from '../../worker/worker.ts';
import { serveUntilSignal } from './serve.ts';

/** Registers the command. */
export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description(
      'Consume the raw topics, validate, normalize and route every webhook to its domain topic ' +
        '(or the dead-letter topic). Configured by environment variables; every variable is in docs/reference/configuration.md.',
    )
    .action(() =>
      serveUntilSignal('worker', (config, logger) =>
        startWorker(config, { adapters: providerAdapters(config.worker.providerSettings) }, logger),
      ),
    );
}
