/**
 * Watches whether this process can still reach Kafka with its credentials.
 * Open connections outlive a revoked password or an expired token, so a
 * fresh admin connection is made every interval (and every failure reported
 * by a producer counts too); while credentials or certificates are refused
 * the process is unready, and `wharf_kafka_connection_problem` says why.
 */
import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaSecurity } from '../config/security.ts';
import type { Metrics } from '../metrics/catalog.ts';
import type { ConnectionProblem } from './connection-problem.ts';
import { CONNECTION_PROBLEM_REASONS, describeConnectionProblem } from './connection-problem.ts';

/** What {@link watchKafkaConnection} needs. */
export interface ConnectionWatchDeps {
  readonly security: KafkaSecurity;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** How often a new connection is tried (default 15 s). */
  readonly intervalMs?: number | undefined;
}

/** The current state of this process's connection to Kafka. */
export interface ConnectionWatch {
  /** The problem that makes this process unready, if any (network trouble does not). */
  blockingProblem(): ConnectionProblem | undefined;
  /** Counts a failure seen elsewhere (a send, a commit); ignored if it is not about connecting. */
  report(error: unknown): void;
  stop(): void;
}

async function probe(newAdmin: () => Admin): Promise<void> {
  const admin = newAdmin();
  try {
    await admin.connect();
    await admin.describeCluster();
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Starts watching; the first probe runs after one interval (start-up has just connected). */
export function watchKafkaConnection(kafka: Kafka, deps: ConnectionWatchDeps): ConnectionWatch {
  const { logger, metrics, security } = deps;
  let current: ConnectionProblem | undefined;
  const set = (problem: ConnectionProblem | undefined) => {
    for (const reason of CONNECTION_PROBLEM_REASONS)
      metrics.kafkaConnectionProblem.set({ reason }, problem?.reason === reason ? 1 : 0);
    if (problem !== undefined && problem.line !== current?.line) logger.error(problem.line);
    if (problem === undefined && current !== undefined)
      logger.info('Kafka connection healthy again');
    current = problem;
  };
  const report = (error: unknown) => {
    const problem = describeConnectionProblem(error, security);
    if (problem !== undefined) set(problem);
  };
  set(undefined);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    timer = setTimeout(() => {
      probe(() => kafka.admin())
        .then(() => {
          set(undefined);
        }, report)
        .finally(() => {
          if (!stopped) schedule();
        });
    }, deps.intervalMs ?? 15_000);
    timer.unref();
  };
  schedule();
  return {
    blockingProblem: () => (current?.reason === 'network' ? undefined : current),
    report,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
