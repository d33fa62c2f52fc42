/**
 * A steady stream of webhook requests at a fixed rate (open loop: a slow
 * answer does not delay the next request, as with real providers), over
 * keep-alive connections.
 */
import { Agent, request } from 'node:http';
import { createHistogram } from 'node:perf_hooks';
import type { RecordableHistogram } from 'node:perf_hooks';
import type { BenchRequest } from './messages.ts';

/** What the load has done so far. */
export interface LoadCounts {
  sent: number;
  /** Answered 200. */
  accepted: number;
  /** Answered otherwise, or failed. */
  failed: number;
  /** Why, by status code or error code. */
  readonly failures: Map<string, number>;
}

export class SteadyLoad {
  readonly counts: LoadCounts = { sent: 0, accepted: 0, failed: 0, failures: new Map() };
  /** How long the ingress took to answer (µs); {@link takeAnswerTimes} starts a new one. */
  answerTimes: RecordableHistogram = createHistogram();
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 256 });
  readonly #inFlight = new Set<Promise<void>>();
  readonly #baseUrl: string;
  readonly #next: (n: number) => BenchRequest;
  readonly #onSend: (request: BenchRequest) => void;
  readonly #onFailure: (request: BenchRequest) => void;
  #timer: NodeJS.Timeout | undefined;

  /**
   * @param baseUrl - the ingress, e.g. http://127.0.0.1:8080
   * @param next - the n-th request
   * @param onSend - called with each request just before it is sent
   * @param onFailure - called with each request not answered 200
   */
  constructor(
    baseUrl: string,
    next: (n: number) => BenchRequest,
    onSend: (request: BenchRequest) => void = () => undefined,
    onFailure: (request: BenchRequest) => void = () => undefined,
  ) {
    this.#baseUrl = baseUrl;
    this.#next = next;
    this.#onSend = onSend;
    this.#onFailure = onFailure;
  }

  #failed(webhook: BenchRequest, why: string): void {
    this.counts.failed++;
    this.counts.failures.set(why, (this.counts.failures.get(why) ?? 0) + 1);
    this.#onFailure(webhook);
  }

  /** Sends `rate` requests per second until {@link stop}. */
  start(rate: number): void {
    const started = performance.now();
    const first = this.counts.sent;
    // Every few milliseconds, send what is due since the start: no drift.
    this.#timer = setInterval(() => {
      const due = Math.floor(((performance.now() - started) / 1000) * rate) + first;
      while (this.counts.sent < due) this.#send(this.#next(this.counts.sent));
    }, 5);
  }

  /** The failures, e.g. `503 ×3, ECONNRESET ×1`, or `none`. */
  failureSummary(): string {
    const parts = [...this.counts.failures].map(([why, count]) => `${why} ×${String(count)}`);
    return parts.length === 0 ? 'none' : parts.join(', ');
  }

  /** Stops sending and waits for the answers in flight. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.all(this.#inFlight);
  }

  /** The answer times so far, and a fresh histogram for what follows. */
  takeAnswerTimes(): RecordableHistogram {
    const taken = this.answerTimes;
    this.answerTimes = createHistogram();
    return taken;
  }

  close(): void {
    this.#agent.destroy();
  }

  #send(webhook: BenchRequest): void {
    this.counts.sent++;
    this.#onSend(webhook);
    const sentAt = performance.now();
    const done = new Promise<void>((resolve) => {
      const req = request(
        `${this.#baseUrl}${webhook.path}`,
        {
          method: 'POST',
          agent: this.#agent,
          headers: { ...webhook.headers, 'content-length': String(webhook.body.length) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            this.answerTimes.record(Math.max(1, Math.round((performance.now() - sentAt) * 1000)));
            if (res.statusCode === 200) this.counts.accepted++;
            else this.#failed(webhook, String(res.statusCode));
            resolve();
          });
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        this.#failed(webhook, error.code ?? error.message);
        resolve();
      });
      req.end(webhook.body);
    });
    this.#inFlight.add(done);
    void done.then(() => this.#inFlight.delete(done));
  }
}
