/**
 * The Kafka client of the commands a person waits on (`wharf dlq list`,
 * `wharf replay`, `wharf tail`). The services log each of kafkajs's retries
 * and keep trying, as a service should; a command doing so printed a screen
 * of JSON log lines over 12 s before its own answer. Here kafkajs says
 * nothing, a cluster that cannot be reached is given up on within seconds,
 * and that failure is one line naming the brokers tried and their setting.
 */
import { Kafka, logLevel } from 'kafkajs';
import type { KafkaSecurity } from '../config/security.ts';
import { connectionOptions } from '../kafka/client.ts';
import { EXIT_CONNECTION, describeConnectionProblem } from '../kafka/connection-problem.ts';
import type { BrokerSource } from '../kafka/connection-problem.ts';
import type { CommandIo } from './command-io.ts';
import { EXIT_FAILURE } from './command-io.ts';

/** Where an operator command connects, and as whom. */
export interface OperatorConnection extends BrokerSource {
  readonly clientId: string;
  readonly security: KafkaSecurity;
}

/**
 * Four attempts within about two seconds against brokers that refuse
 * connections (kafkajs's default, six attempts up to 30 s apart, took 12 s);
 * each attempt still waits kafkajs's default second for a silent host.
 */
const CONNECT_RETRY = { retries: 3, initialRetryTime: 200, maxRetryTime: 1_000 };

/** A kafkajs client that logs nothing and gives up on an unreachable cluster within seconds. */
export function operatorKafka(connection: OperatorConnection): Kafka {
  return new Kafka({
    clientId: connection.clientId,
    brokers: [...connection.brokers],
    ...connectionOptions(connection.security),
    logLevel: logLevel.NOTHING,
    retry: CONNECT_RETRY,
  });
}

/**
 * The line for a failure to reach Kafka or be let in (no broker answered, a
 * refused password or certificate), or undefined when the failure is another.
 */
export function connectionFailureLine(
  error: unknown,
  connection: OperatorConnection,
): string | undefined {
  return describeConnectionProblem(error, connection.security, connection)?.line;
}

/**
 * Reports a failed Kafka read or write as `<doing>: <why>` on one line and
 * sets the exit code: EXIT_CONNECTION when Kafka could not be reached (or
 * refused us), EXIT_FAILURE for anything else.
 */
export function reportKafkaFailure(
  error: unknown,
  doing: string,
  connection: OperatorConnection,
  io: CommandIo,
): void {
  const unreachable = connectionFailureLine(error, connection);
  const why = unreachable ?? (error instanceof Error ? error.message : String(error));
  io.stderr.write(`${doing}: ${why}\n`);
  io.setExitCode(unreachable === undefined ? EXIT_FAILURE : EXIT_CONNECTION);
}
