/**
 * Starts the test broker process and talks to its control port.
 *
 * The process prints its bootstrap list and its control address on its first
 * two stdout lines, and exits when its stdin closes, so a broker started here
 * never outlives the process that started it.
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { ensureTestBroker } from './build.ts';

/** How long a broker may take to exit on SIGTERM before it is killed. */
const STOP_TIMEOUT_MS = 5_000;

/** Options of {@link startTestBroker}. */
export interface TestBrokerOptions {
  /** Number of brokers in the mock cluster (default 1). */
  brokers?: number;
  /** Topics to create before the broker is announced, as `name[:partitions[:replication]]`. */
  topics?: readonly string[];
  /** How long to wait for the process to announce itself (default 15 s). */
  startTimeoutMs?: number;
  /** Receives one line per build step when the broker must be built first (default: stderr). */
  progress?: (message: string) => void;
  /**
   * Runs the broker in a process group of its own, so that a terminal's Ctrl-C
   * reaches only the process that started it, which then stops the broker
   * after its clients have disconnected (the local run). Default false.
   */
  ownProcessGroup?: boolean;
}

/** A running test broker process. */
export interface TestBroker {
  /** Bootstrap addresses, `host:port`. */
  readonly brokers: readonly string[];
  /** The control port's address, `host:port`. */
  readonly controlAddress: string;
  /** The broker's process id. */
  readonly pid: number;
  /** Fault injection and topic commands; see {@link BrokerControl}. */
  readonly control: BrokerControl;
  /** Stops the process and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Builds (once, cached) and starts the test broker.
 */
export async function startTestBroker(options: TestBrokerOptions = {}): Promise<TestBroker> {
  const binary = await ensureTestBroker(options.progress);
  const args = ['--brokers', String(options.brokers ?? 1), ...(options.topics ?? [])];
  const child = spawn(binary, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: options.ownProcessGroup ?? false,
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4096);
  });
  // Closing stdin of a process that already died must not become an
  // unhandled EPIPE.
  child.stdin.on('error', () => undefined);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );

  const lines = createInterface({ input: child.stdout });
  const announced: string[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(
            `test broker did not start within ${String(options.startTimeoutMs ?? 15_000)} ms: ${stderr}`,
          ),
        );
      }, options.startTimeoutMs ?? 15_000);
      lines.on('line', (line) => {
        announced.push(line);
        if (announced.length === 2) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(
          new Error(`test broker exited (${String(code ?? signal)}) before it started: ${stderr}`),
        );
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }

  const [bootstrap = '', controlLine = ''] = announced;
  const controlAddress = controlLine.replace(/^control /, '');
  return {
    brokers: bootstrap.split(','),
    controlAddress,
    pid: child.pid ?? 0,
    control: new BrokerControl(controlAddress),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin.end();
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** An answer of the control port that starts with `error:`. */
export class BrokerControlError extends Error {
  override readonly name = 'BrokerControlError';
}

/**
 * A client of the test broker's control port: one TCP connection per
 * command, one answer line per command.
 */
export class BrokerControl {
  readonly #host: string;
  readonly #port: number;

  /** @param address - `host:port` as announced by the broker. */
  constructor(address: string) {
    const separator = address.lastIndexOf(':');
    this.#host = address.slice(0, separator);
    this.#port = Number(address.slice(separator + 1));
  }

  /**
   * Sends one command line and resolves with the answer line.
   *
   * @throws {BrokerControlError} when the broker answers `error: …`.
   */
  async send(command: string): Promise<string> {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(this.#port, this.#host);
      let buffer = '';
      socket.setEncoding('utf8');
      socket.setTimeout(5_000, () =>
        socket.destroy(new Error(`control: no answer to "${command}"`)),
      );
      socket.on('data', (chunk: string) => {
        buffer += chunk;
        const end = buffer.indexOf('\n');
        if (end >= 0) {
          resolve(buffer.slice(0, end));
          socket.end();
        }
      });
      socket.on('error', reject);
      socket.on('close', () => {
        reject(new Error(`control: connection closed before answering "${command}"`));
      });
      socket.write(`${command}\n`);
    });
    if (answer.startsWith('error:')) throw new BrokerControlError(`${command}: ${answer}`);
    return answer;
  }

  /** Takes one broker (by id, from 1) or all of them down: connections are closed and refused. */
  async setDown(broker: number | 'all' = 'all'): Promise<void> {
    await this.send(`broker down ${String(broker)}`);
  }

  /** Brings a broker (or all) back up. */
  async setUp(broker: number | 'all' = 'all'): Promise<void> {
    await this.send(`broker up ${String(broker)}`);
  }

  /** Adds a round-trip delay to every response of a broker (or all). */
  async setRtt(ms: number, broker: number | 'all' = 'all'): Promise<void> {
    await this.send(`rtt ${String(broker)} ${String(ms)}`);
  }

  /** Makes the next requests of an API key fail, one error code per request. */
  async pushRequestErrors(apiKey: number, errorCodes: readonly number[]): Promise<void> {
    await this.send(`errors ${String(apiKey)} ${errorCodes.join(' ')}`);
  }

  /** Forgets errors pushed for an API key that were not used yet. */
  async clearRequestErrors(apiKey: number): Promise<void> {
    await this.send(`clear-errors ${String(apiKey)}`);
  }
}
