/** `wharf worker`: runs the worker until SIGTERM or SIGINT. */
import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../../config/config.ts';
import { createLogger } from '../../logging.ts';
import { providerAdapters } from '../../providers/index.ts';
import { startWorker } from '../../worker/worker.ts';

/** Registers the command. */
export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description(
      'Consume the raw topics, validate, normalize and route every webhook to its domain topic ' +
        '(or the dead-letter topic). Configured by environment variables; see the README.',
    )
    .action(async () => {
      let config;
      try {
        config = loadConfig(process.env, 'worker');
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        process.stderr.write(`${error.message}\n`);
        process.exitCode = 2;
        return;
      }
      const logger = createLogger(config.logLevel);
      const worker = await startWorker(
        config,
        { adapters: providerAdapters(config.worker) },
        logger,
      );
      await new Promise<void>((resolve) => {
        const stop = (signal: NodeJS.Signals) => {
          logger.info({ signal }, 'shutting down');
          resolve();
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
      await worker.shutdown();
      process.exit(process.exitCode ?? 0);
    });
}
