/**
 * The first step of a raw partition's batch: its records → what to produce
 * (canonical records and dead letters), what to remember, what to count.
 * Nothing is sent here: a duplicate is found against the partition's memory
 * and the batch itself, a replayed request against the delivery ids.
 */
import { parseTraceParent } from '@opentelemetry/core';
import type { Message } from 'kafkajs';
import type { Metrics } from '../metrics/catalog.ts';
import { CLOUDEVENT_HEADERS, RAW_HEADERS, REDRIVE_HEADERS } from '../kafka/headers.ts';
import type { Encoder } from './encode.ts';
import { transformAndEncode } from './encode.ts';
import type { PartitionMemory } from './memory.ts';
import { deadLetter } from './pipeline.ts';
import type { PipelineConfig, PipelineOutput, RawRecord } from './pipeline.ts';
import type { Domain } from '../canonical/model.ts';

/** A record to produce, with the raw record it came from. */
export type Outgoing =
  | {
      readonly kind: 'event';
      readonly topic: string;
      readonly message: Message;
      readonly raw: RawRecord;
      readonly eventId: string;
      /** The provider's event type, for the metrics. */
      readonly eventType: string;
      /** The signed delivery's key, for a canonical record whose provider signs one. */
      readonly replayKey: string | undefined;
      /** The entity and its content's key, for a canonical record known by its content. */
      readonly content: { readonly subject: string; readonly key: string } | undefined;
    }
  | {
      readonly kind: 'dead-letter';
      readonly topic: string;
      readonly message: Message;
      readonly raw: RawRecord;
      readonly error: { readonly stage: string; readonly code: string; readonly path: string };
      /** The provider's event type, when it was known before the failure. */
      readonly eventType: string | undefined;
    };

/** A raw record's outcome, counted once its batch is stored (a failed batch is processed again). */
export interface Counted {
  readonly source: string;
  readonly eventType: string;
  readonly outcome: 'routed' | 'dead_lettered' | 'deduplicated';
  readonly deadLetter?: { readonly stage: string; readonly code: string };
}

/** A raw partition's batch, planned. */
export interface Plan {
  readonly topic: string;
  readonly partition: number;
  /** The offset to commit: the batch's last offset + 1. */
  readonly nextOffset: string;
  readonly outgoing: Outgoing[];
  /** What the partition's memory learns once the outgoing records are stored. */
  readonly events: Set<string>;
  readonly latest: Map<string, string>;
  readonly deliveries: Set<string>;
  /** Outcomes of the records that produce nothing (duplicates). */
  readonly counted: Counted[];
}

/** What planning needs. */
export interface PlanDependencies {
  readonly config: PipelineConfig;
  readonly encode: Encoder;
  readonly dataSchema: (domain: Domain) => string | undefined;
  readonly metrics: Metrics;
  readonly now: () => number;
}

type Routed = Extract<Awaited<ReturnType<typeof transformAndEncode>>, { kind: 'domain' }>;

/** Transforms a raw record, timing it by source. */
async function transformTimed(
  raw: RawRecord,
  deps: PlanDependencies,
): ReturnType<typeof transformAndEncode> {
  const started = process.hrtime.bigint();
  const output = await transformAndEncode(raw, deps.config, deps.encode);
  deps.metrics.workerProcessingDuration.observe(
    { source: sourceOf(raw) },
    Number(process.hrtime.bigint() - started) / 1e9,
  );
  return output;
}

/** The source a raw record names ('unknown' when none). */
export function sourceOf(raw: RawRecord): string {
  return raw.headers[RAW_HEADERS.source] ?? 'unknown';
}

/**
 * The trace id of a raw record's trace context, when it has a valid one. For
 * log lines, off the hot path: the records themselves carry the header as written.
 */
export function traceIdOf(raw: RawRecord): string | undefined {
  const traceparent = raw.headers[RAW_HEADERS.traceparent];
  return traceparent === undefined ? undefined : parseTraceParent(traceparent)?.traceId;
}

/** Whether a routed event repeats one produced before (its id, or its entity's latest content). */
function isDuplicate(routed: Routed, plan: Plan, memory: PartitionMemory, now: number): boolean {
  const { event, contentKey } = routed.record;
  if (memory.hasEvent(event.id, now) || plan.events.has(event.id)) return true;
  if (contentKey === undefined) return false;
  const inBatch = plan.latest.get(event.subject);
  return inBatch === undefined
    ? memory.isLatest(event.subject, contentKey, now)
    : inBatch === contentKey;
}

/**
 * Whether a routed record is a replay: its signed delivery id was seen within
 * the replay window (or earlier in this batch). A record an operator redrove
 * (`wharf replay`) is let through: writing raw topics is theirs to do.
 */
function isReplay(
  routed: Routed,
  raw: RawRecord,
  plan: Plan,
  memory: PartitionMemory,
  now: number,
): boolean {
  const key = routed.record.replayKey;
  if (key === undefined || raw.headers[REDRIVE_HEADERS.from] !== undefined) return false;
  return memory.hasDelivery(key, now) || plan.deliveries.has(key);
}

/** The dead letter of a replayed request. */
function replayDeadLetter(
  raw: RawRecord,
  config: PipelineConfig,
  replayWindowMs: number,
  eventType: string,
): Extract<PipelineOutput, { kind: 'dead-letter' }> {
  const days = Math.round(replayWindowMs / 86_400_000);
  return deadLetter(
    raw,
    config,
    {
      stage: 'authorize',
      code: 'REPLAYED',
      message: `the request's signed delivery id was already delivered within the replay window (${String(days)} days): a captured request sent again`,
      path: '',
    },
    eventType,
  );
}

function addDeadLetter(
  plan: Plan,
  raw: RawRecord,
  output: Extract<PipelineOutput, { kind: 'dead-letter' }>,
): void {
  plan.outgoing.push({
    kind: 'dead-letter',
    topic: output.topic,
    message: { key: output.key, value: output.value, headers: output.headers },
    raw,
    error: { stage: output.error.stage, code: output.error.code, path: output.error.path },
    eventType: output.eventType,
  });
}

function addEvent(
  plan: Plan,
  raw: RawRecord,
  routed: Routed,
  deps: PlanDependencies,
  replayWindowMs: number,
): void {
  const { record, value } = routed;
  const { event, contentKey, replayKey } = record;
  const dataSchema = deps.dataSchema(record.domain);
  plan.outgoing.push({
    kind: 'event',
    topic: record.topic,
    message: {
      key: record.key,
      value,
      headers:
        dataSchema === undefined
          ? { ...record.headers }
          : { ...record.headers, [CLOUDEVENT_HEADERS.dataschema]: dataSchema },
    },
    raw,
    eventId: event.id,
    eventType: event.providerEventType,
    replayKey,
    content: contentKey === undefined ? undefined : { subject: event.subject, key: contentKey },
  });
  plan.events.add(event.id);
  if (contentKey !== undefined) plan.latest.set(event.subject, contentKey);
  if (replayKey !== undefined && replayWindowMs > 0) plan.deliveries.add(replayKey);
}

/** Plans a raw partition's records against its memory. */
export async function planBatch(
  batch: {
    readonly topic: string;
    readonly partition: number;
    readonly records: readonly RawRecord[];
    readonly nextOffset: string;
  },
  memory: PartitionMemory,
  deps: PlanDependencies,
): Promise<Plan> {
  const plan: Plan = {
    topic: batch.topic,
    partition: batch.partition,
    nextOffset: batch.nextOffset,
    outgoing: [],
    events: new Set(),
    latest: new Map(),
    deliveries: new Set(),
    counted: [],
  };
  const replayWindowMs = memory.deliveries.windowMs;
  for (const raw of batch.records) {
    // Stored before (a batch read again from a committed offset that lags).
    if (memory.processed(raw.offset)) continue;
    const output = await transformTimed(raw, deps);
    if (output.kind === 'dead-letter') {
      addDeadLetter(plan, raw, output);
      continue;
    }
    const now = deps.now();
    const eventType = output.record.event.providerEventType;
    if (isDuplicate(output, plan, memory, now)) {
      plan.counted.push({ source: sourceOf(raw), eventType, outcome: 'deduplicated' });
    } else if (isReplay(output, raw, plan, memory, now)) {
      addDeadLetter(plan, raw, replayDeadLetter(raw, deps.config, replayWindowMs, eventType));
    } else {
      addEvent(plan, raw, output, deps, replayWindowMs);
    }
  }
  return plan;
}
