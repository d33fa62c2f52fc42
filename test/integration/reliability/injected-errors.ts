/**
 * Proof that the errors pushed into the mock broker's queues were used: the
 * mock answers the next requests of an API with the queued errors, one per
 * request, first in first out, and has no command that says how many are
 * left. These probes send requests of their own that are not retried until
 * one succeeds, and count the failures: the errors Wharf left unused (0 when
 * it met them all), and the queue is empty afterwards.
 */
import { connect } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { uniqueName } from '../../support/kafka.ts';

/** Kafka API keys the reliability tests inject errors into. */
export const API = { PRODUCE: 0, OFFSET_COMMIT: 8 } as const;

/** Probes before giving up: more than any test injects. */
const MAX_PROBES = 500;

/** `count` error codes cycling through the values of `codes`. */
export function cycle(codes: Readonly<Record<string, number>>, count: number): number[] {
  const values = Object.values(codes);
  return Array.from({ length: count }, (_, i) => values[i % values.length] ?? 0);
}

/** Sends one-record produce requests, never retried, until one is stored; returns the failures. */
export async function unusedProduceErrors(brokers: readonly string[]): Promise<number> {
  const kafka = new Kafka({
    clientId: uniqueName('probe'),
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
  const topic = uniqueName('probe');
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let failures = 0; failures < MAX_PROBES; failures++) {
      try {
        await producer.send({ topic, acks: -1, messages: [{ value: 'probe' }] });
        return failures;
      } catch {
        // An injected error, used up by this probe.
      }
    }
    throw new Error(`produce still failing after ${String(MAX_PROBES)} probes`);
  } finally {
    await producer.disconnect();
  }
}

/**
 * Sends OffsetCommit requests (version 2, as a client outside any group
 * commits) for partition 0 of `topic`, which must exist, until one succeeds;
 * returns the failures, each with one of the `injected` codes (another code
 * is a broken probe, and throws). Spoken by hand: kafkajs retries its
 * commits and sends them only as a group member.
 */
export async function unusedCommitErrors(
  broker: string,
  topic: string,
  injected: readonly number[],
): Promise<number> {
  const group = uniqueName('probe');
  for (let failures = 0; failures < MAX_PROBES; failures++) {
    const code = await offsetCommit(broker, group, topic, failures);
    if (code === 0) return failures;
    if (!injected.includes(code))
      throw new Error(`the OffsetCommit probe got error ${String(code)}, which was not injected`);
  }
  throw new Error(`OffsetCommit still failing after ${String(MAX_PROBES)} probes`);
}

function int16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeInt16BE(value);
  return buffer;
}

function int32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
}

function int64(value: bigint): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeBigInt64BE(value);
  return buffer;
}

function text(value: string): Buffer {
  const bytes = Buffer.from(value);
  return Buffer.concat([int16(bytes.length), bytes]);
}

/** One OffsetCommit v2 round trip; resolves with the partition's error code. */
async function offsetCommit(
  broker: string,
  group: string,
  topic: string,
  correlationId: number,
): Promise<number> {
  const body = Buffer.concat([
    // Request header v1: api key, api version, correlation id, client id.
    int16(API.OFFSET_COMMIT),
    int16(2),
    int32(correlationId),
    text('wharf-probe'),
    // group id, generation -1 and no member: a commit from outside any group.
    text(group),
    int32(-1),
    text(''),
    // retention time: the broker's default.
    int64(-1n),
    // one topic, one partition: offset 0, no metadata.
    int32(1),
    text(topic),
    int32(1),
    int32(0),
    int64(0n),
    int16(-1),
  ]);
  const response = await roundTrip(broker, Buffer.concat([int32(body.length), body]));
  // correlation id, topic count, topic name, partition count, partition, error code.
  const nameLength = response.readInt16BE(8);
  return response.readInt16BE(8 + 2 + nameLength + 4 + 4);
}

/** Sends one size-prefixed request and resolves with the response after its size prefix. */
async function roundTrip(broker: string, request: Buffer): Promise<Buffer> {
  const separator = broker.lastIndexOf(':');
  const socket = connect(Number(broker.slice(separator + 1)), broker.slice(0, separator));
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      let received = Buffer.alloc(0);
      socket.setTimeout(5_000, () => {
        reject(new Error(`no answer from ${broker}`));
      });
      socket.on('error', reject);
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (received.length >= 4 && received.length >= 4 + received.readInt32BE(0))
          resolve(received.subarray(4, 4 + received.readInt32BE(0)));
      });
      socket.write(request);
    });
  } finally {
    socket.destroy();
  }
}
