/** `wharf ingress`: runs the webhook ingress until SIGTERM or SIGINT. */
import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../../config/config.ts';
import { startIngress } from '../../ingress/server.ts';
import { createLogger } from '../../logging.ts';

/** Registers the command. */
export function registerIngress(program: Command): void {
  program
    .command('ingress')
    .description(
      'Serve the webhook endpoints (POST /webhooks/:source) and land each webhook in its raw topic. ' +
        'Configured by environment variables; see the README.',
    )
    .action(async () => {
      let config;
      try {
        config = loadConfig();
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        process.stderr.write(`${error.message}\n`);
        process.exitCode = 2;
        return;
      }
      const logger = createLogger(config.logLevel);
      const ingress = await startIngress(config, logger);
      await new Promise<void>((resolve) => {
        const stop = (signal: NodeJS.Signals) => {
          logger.info({ signal }, 'shutting down');
          resolve();
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
      await ingress.shutdown();
      // The shutdown answered every request and bounded the disconnect; a
      // client library's retry timer must not keep the process alive.
      process.exit(process.exitCode ?? 0);
    });
}
