/**
 * Gathers what the worker consumed across its partitions so that one
 * produce, one changelog write and one commit serve many partitions'
 * batches. kafkajs hands the worker several partitions' batches at once
 * (`partitionsConsumedConcurrently`); each is planned on its own, then waits
 * here. The gathering is stored as soon as every batch in hand has joined it
 * (waiting longer gains nothing), or when it reaches its records or bytes
 * bound, or when its first batch has waited the linger time. A partition's
 * next batch comes only after its last one was stored, so each entity's
 * events keep their order.
 */

/** The bounds of one gathering. */
export interface AccumulatorBounds {
  readonly maxRecords: number;
  readonly maxBytes: number;
  readonly lingerMs: number;
}

interface Gathering<T> {
  readonly items: T[];
  records: number;
  bytes: number;
  timer: NodeJS.Timeout | undefined;
  readonly done: Promise<void>;
  settle(error?: unknown): void;
}

/** Stores items in gatherings; `store` is called with each gathering's items. */
export class Accumulator<T> {
  readonly #store: (items: T[]) => Promise<void>;
  readonly #bounds: AccumulatorBounds;
  #current: Gathering<T> | undefined;
  /** Batches being handled now: planned, waiting here, or being stored. */
  #inHand = 0;
  #waiting = 0;

  constructor(store: (items: T[]) => Promise<void>, bounds: AccumulatorBounds) {
    this.#store = store;
    this.#bounds = bounds;
  }

  /**
   * Runs `plan` for a batch in hand, then waits until what it planned is
   * stored (rejecting with the store's error).
   */
  async handle(plan: () => Promise<{ item: T; records: number; bytes: number }>): Promise<void> {
    this.#inHand++;
    try {
      const { item, records, bytes } = await plan();
      await this.#join(item, records, bytes);
    } finally {
      this.#inHand--;
      // A batch that failed in planning no longer holds the others back.
      if (this.#current && this.#waiting > 0 && this.#waiting >= this.#inHand) this.#flush();
    }
  }

  #join(item: T, records: number, bytes: number): Promise<void> {
    const gathering = (this.#current ??= this.#open());
    gathering.items.push(item);
    gathering.records += records;
    gathering.bytes += bytes;
    this.#waiting++;
    const bounds = this.#bounds;
    if (
      this.#waiting >= this.#inHand ||
      gathering.records >= bounds.maxRecords ||
      gathering.bytes >= bounds.maxBytes
    )
      this.#flush();
    return gathering.done;
  }

  #open(): Gathering<T> {
    let settle: (error?: unknown) => void = () => undefined;
    const done = new Promise<void>((resolve, reject) => {
      settle = (error?: unknown) => {
        if (error === undefined) resolve();
        else reject(error instanceof Error ? error : new Error('storing failed', { cause: error }));
      };
    });
    const gathering: Gathering<T> = {
      items: [],
      records: 0,
      bytes: 0,
      timer: undefined,
      done,
      settle: (error) => {
        settle(error);
      },
    };
    gathering.timer = setTimeout(() => {
      if (this.#current === gathering) this.#flush();
    }, this.#bounds.lingerMs);
    return gathering;
  }

  /** Stores the current gathering; the next batch opens a new one meanwhile. */
  #flush(): void {
    const gathering = this.#current;
    if (!gathering) return;
    this.#current = undefined;
    this.#waiting -= gathering.items.length;
    clearTimeout(gathering.timer);
    this.#store(gathering.items).then(
      () => {
        gathering.settle();
      },
      (error: unknown) => {
        gathering.settle(error ?? new Error('storing failed'));
      },
    );
  }
}
