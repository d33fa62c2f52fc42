/**
 * The whole pipeline on one machine (`wharf start`, `npm start`): the
 * ingress and the worker in one process, with the embedded Kafka-protocol
 * broker (src/broker) when KAFKA_BROKERS is unset and the embedded schema
 * registry (src/registry) when SCHEMA_REGISTRY_URL is unset. Both are in
 * memory: what they hold is gone when the run stops.
 */
import type { Logger } from 'pino';
import { startTestBroker } from '../broker/test-broker.ts';
import type { TestBroker } from '../broker/test-broker.ts';
import { loadConfig } from '../config/config.ts';
import type { Config } from '../config/config.ts';
import { startIngress } from '../ingress/server.ts';
import { createMetrics } from '../metrics/catalog.ts';
import { providerAdapters } from '../providers/index.ts';
import type { Source } from '../providers/index.ts';
import { startEmbeddedRegistry } from '../registry/index.ts';
import type { EmbeddedRegistry } from '../registry/index.ts';
import { startWorker } from '../worker/worker.ts';
import { withLocalSecrets } from './local-defaults.ts';
import type { Environment } from './local-defaults.ts';

/** Stand-ins that let the configuration be checked before the embedded parts exist. */
const PLACEHOLDER_BROKERS = '127.0.0.1:9092';
const PLACEHOLDER_REGISTRY = 'http://127.0.0.1:8081';
/** How long the worker may take to join its group before start gives up. */
const WORKER_READY_TIMEOUT_MS = 60_000;

/**
 * Defaults of the local run, applied only where a variable is unset:
 * credentials for every source (printed), listeners on 127.0.0.1 only
 * (those credentials are published), and warnings-only logs so that the
 * terminal shows what start prints.
 */
const LOCAL_DEFAULTS: Readonly<Record<string, string>> = {
  WHARF_LOG_LEVEL: 'warn',
  WHARF_INGRESS_HOST: '127.0.0.1',
  WHARF_INGRESS_METRICS_HOST: '127.0.0.1',
  WHARF_WORKER_METRICS_HOST: '127.0.0.1',
};

/** What a local run will start, decided from the environment. */
export interface LocalPlan {
  /** The configuration, with stand-in addresses for the embedded parts. */
  readonly config: Config;
  /** The environment the configuration was read from (local defaults applied). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly embeddedBroker: boolean;
  readonly embeddedRegistry: boolean;
  /** Sources given the local credentials because their secrets were unset. */
  readonly localSources: readonly Source[];
}

/**
 * Checks the configuration of a local run before anything starts.
 *
 * @throws {ConfigError} naming every variable that is wrong and why.
 */
export function planLocalRun(processEnv: Environment): LocalPlan {
  const set = (name: string) => Boolean(processEnv[name]);
  const { env: withSecrets, defaulted } = withLocalSecrets(processEnv);
  const env: Record<string, string | undefined> = { ...withSecrets };
  for (const [name, value] of Object.entries(LOCAL_DEFAULTS)) if (!set(name)) env[name] = value;
  const embeddedBroker = !set('KAFKA_BROKERS');
  const embeddedRegistry = !set('SCHEMA_REGISTRY_URL');
  const config = loadConfig(
    {
      ...env,
      ...(embeddedBroker ? { KAFKA_BROKERS: PLACEHOLDER_BROKERS } : {}),
      ...(embeddedRegistry ? { SCHEMA_REGISTRY_URL: PLACEHOLDER_REGISTRY } : {}),
    },
    'all',
  );
  return { config, env, embeddedBroker, embeddedRegistry, localSources: defaulted };
}

/** A running local pipeline. */
export interface LocalStack {
  readonly config: Config;
  /** Base URL of the ingress's webhooks. */
  readonly ingressUrl: string;
  /** The ingress's /metrics (of the whole process), /livez and /readyz. */
  readonly metricsUrl: string;
  /** The worker's /metrics, /livez and /readyz. */
  readonly workerUrl: string;
  /** The embedded broker process, when one was started. */
  readonly broker: { readonly pid: number } | undefined;
  /** Settles when the worker stopped for good. */
  readonly failed: Promise<Error>;
  /** Stops the ingress and the worker, then the embedded registry and broker. */
  shutdown(): Promise<void>;
}

/** Why a local run could not start, said for the person who ran it. */
export class LocalStartError extends Error {
  override readonly name = 'LocalStartError';
}

/** Options of {@link startLocalStack}. */
export interface LocalStackOptions {
  readonly logger: Logger;
  /** Receives a line per step worth telling (broker build, start-up). */
  readonly progress: (message: string) => void;
}

function addressInUse(
  error: unknown,
  ...candidates: readonly (readonly [variable: string, port: number])[]
): Error {
  if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') return error as Error;
  // Node.js names the port it could not take.
  const taken = (error as { port?: unknown }).port;
  const [variable, port] = candidates.find(([, candidate]) => candidate === taken) ??
    candidates[0] ?? ['the port', 0];
  return new LocalStartError(
    `port ${String(port)} is in use: stop what listens there or set ${variable} ` +
      '(0 picks a free port)',
  );
}

async function waitUntilReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ready = await fetch(`${url}/readyz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    if (Date.now() > deadline) {
      throw new LocalStartError(
        `the worker did not join its consumer group within ${String(timeoutMs / 1000)} s`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Starts what the plan says: the embedded broker and registry if needed,
 * then the ingress and the worker sharing one metrics catalog. When any step
 * fails, what had started is stopped before the error is thrown.
 */
export async function startLocalStack(
  plan: LocalPlan,
  { logger, progress }: LocalStackOptions,
): Promise<LocalStack> {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) {
      await stop().catch((error: unknown) => {
        logger.warn({ err: error }, 'stopping a part of the local run failed');
      });
    }
  };
  try {
    let broker: TestBroker | undefined;
    if (plan.embeddedBroker) {
      progress('Starting the embedded Kafka broker…');
      broker = await startTestBroker({
        progress: (message) => {
          progress(`  ${message}`);
        },
        // Ctrl-C in a terminal reaches the whole process group: the broker
        // must outlive the clients that flush to it while stopping.
        ownProcessGroup: true,
      });
      stops.push(broker.stop.bind(broker));
    }
    let registry: EmbeddedRegistry | undefined;
    if (plan.embeddedRegistry) {
      registry = await startEmbeddedRegistry();
      stops.push(registry.close.bind(registry));
    }
    const config = loadConfig(
      {
        ...plan.env,
        ...(broker ? { KAFKA_BROKERS: broker.brokers.join(',') } : {}),
        ...(registry ? { SCHEMA_REGISTRY_URL: registry.url } : {}),
      },
      'all',
    );
    const metrics = createMetrics();
    progress('Starting the ingress and the worker…');
    const ingress = await startIngress(config, logger, { metrics }).catch((error: unknown) => {
      throw addressInUse(
        error,
        ['WHARF_INGRESS_PORT', config.ingress.port],
        ['WHARF_INGRESS_METRICS_PORT', config.ingress.metricsPort],
      );
    });
    stops.push(ingress.shutdown.bind(ingress));
    const worker = await startWorker(
      config,
      { adapters: providerAdapters(config.worker.providerSettings) },
      logger,
      { metrics },
    ).catch((error: unknown) => {
      throw addressInUse(error, ['WHARF_WORKER_METRICS_PORT', config.worker.metricsPort]);
    });
    // The ingress drains first (its last webhooks reach Kafka), then the
    // worker; stops run last first.
    stops.splice(stops.length - 1, 0, worker.shutdown.bind(worker));
    await waitUntilReady(worker.metricsUrl, WORKER_READY_TIMEOUT_MS);
    return {
      config,
      ingressUrl: ingress.url,
      metricsUrl: ingress.metricsUrl,
      workerUrl: worker.metricsUrl,
      broker: broker ? { pid: broker.pid } : undefined,
      failed: worker.failed,
      shutdown: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
