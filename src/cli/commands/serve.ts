/**
 * What the long-running commands (`wharf ingress`, `wharf worker`) share:
 * configuration checked before anything starts, a refused connection
 * reported as one line, and a clean stop on SIGTERM or SIGINT.
 */
import type { Logger } from 'pino';
import type { Config, Role } from '../../config/config.ts';
import { ConfigError, loadConfig } from '../../config/config.ts';
import { createLogger } from '../../logging.ts';
import { EXIT_CONNECTION, describeConnectionProblem } from '../../kafka/connection-problem.ts';

/** Exit code of a configuration error. */
const EXIT_CONFIG = 2;

/**
 * Loads the configuration for `role`, starts the service, waits for SIGTERM
 * or SIGINT, stops it, and exits. A configuration error is printed, naming
 * the variables, and nothing starts.
 */
export async function serveUntilSignal(
  role: Role,
  start: (
    config: Config,
    logger: Logger,
  ) => Promise<{ shutdown(): Promise<void>; readonly failed?: Promise<Error> }>,
): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env, role);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = EXIT_CONFIG;
    return;
  }
  const logger = createLogger(config.logLevel);
  let service: Awaited<ReturnType<typeof start>>;
  try {
    service = await start(config, logger);
  } catch (error) {
    const problem = describeConnectionProblem(error, config.kafka.security, {
      brokers: config.kafka.brokers,
      setting: 'KAFKA_BROKERS',
    });
    if (problem === undefined) throw error;
    process.stderr.write(`wharf ${role}: cannot start: ${problem.line}\n`);
    process.exit(EXIT_CONNECTION);
  }
  const signalled = new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'shutting down');
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  // A service that failed for good exits non-zero, so that it is restarted.
  const never = new Promise<never>(() => undefined);
  const failure = await Promise.race([signalled.then(() => undefined), service.failed ?? never]);
  if (failure) process.exitCode = 1;
  await service.shutdown();
  // The shutdown answered or finished what was in hand and bounded the
  // disconnects; a client library's retry timer must not keep us alive.
  process.exit(process.exitCode ?? 0);
}
