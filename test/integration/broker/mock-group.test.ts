/**
 * Two kafkajs consumers joining one group at the same moment, as two
 * `wharf worker` processes started together do, on the embedded mock broker.
 *
 * The mock used to fail this two ways. It answered the follower's SyncGroup
 * with INVALID_REQUEST whenever the leader's SyncGroup reached it first, which
 * kafkajs treats as fatal, so the follower crashed and its partitions stalled.
 * And when the first consumer was elected alone before the second's JoinGroup
 * arrived, it held the new rebalance for the session timeout (29 s) even once
 * both had rejoined. Each round is a fresh group, as the timing differs from
 * one round to the next.
 *
 * This file always starts a mock broker of its own: the suite's global broker
 * may be a real Kafka, and what is pinned here is the mock's behaviour.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { Consumer, ISocketFactory, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker } from '../../../src/broker/test-broker.ts';
import type { TestBroker } from '../../../src/broker/test-broker.ts';
import {
  TEST_CONSUMER,
  cleanupsAfterEach,
  testKafka,
  uniqueName,
  waitFor,
} from '../../support/kafka.ts';

const PARTITIONS = 4;
const ROUNDS = 10;
/** Far above the second or so a join takes, far below kafkajs's 30 s session timeout. */
const JOIN_TIMEOUT_MS = 10_000;
/** Kafka's API key of SyncGroup. */
const SYNC_GROUP = 14;

/** The fields of a SyncGroup request that decide its order. */
interface SyncGroupRequest {
  readonly correlationId: number;
  readonly generation: number;
  /** Only the leader's SyncGroup carries the members' assignments. */
  readonly assignmentCount: number;
}

/**
 * Reads a SyncGroup request as kafkajs writes it (one buffer per request,
 * versions 0-3, none of them flexible); undefined for any other request.
 */
function readSyncGroupRequest(frame: Buffer): SyncGroupRequest | undefined {
  if (frame.length < 12 || frame.readInt16BE(4) !== SYNC_GROUP) return undefined;
  const version = frame.readInt16BE(6);
  const correlationId = frame.readInt32BE(8);
  let offset = 12;
  const skipString = () => {
    offset += 2 + Math.max(0, frame.readInt16BE(offset));
  };
  skipString(); // client id
  skipString(); // group id
  const generation = frame.readInt32BE(offset);
  offset += 4;
  skipString(); // member id
  if (version >= 3) skipString(); // group instance id
  return { correlationId, generation, assignmentCount: frame.readInt32BE(offset) };
}

/**
 * Makes each follower's SyncGroup wait until the leader's SyncGroup of the
 * same generation has been answered, so that the leader's always reaches the
 * broker first. In one process that order is rare (the follower sends its
 * SyncGroup while the leader still computes the assignment); between two
 * worker processes on a busy machine it is common.
 */
class LeaderSyncsFirst {
  readonly #answered = new Map<number, { promise: Promise<void>; resolve: () => void }>();

  /** A kafkajs socket factory whose sockets keep this order. */
  readonly socketFactory: ISocketFactory = ({ host, port, onConnect }) => {
    const socket = connect({ host, port }, onConnect);
    this.#holdFollowerSyncs(socket);
    return socket;
  };

  /**
   * Replaces the socket's `write`, through which kafkajs writes each request
   * as one buffer. (A Socket subclass cannot override it: connect() resets
   * it, so this must run after connect().)
   */
  #holdFollowerSyncs(socket: Socket): void {
    const write = socket.write.bind(socket);
    /** Generation of each leader SyncGroup not answered yet, by correlation id. */
    const leaderSyncs = new Map<number, number>();
    socket.write = (
      chunk: Uint8Array | string,
      encodingOrCallback?: BufferEncoding | ((error?: Error | null) => void),
      callback?: (error?: Error | null) => void,
    ): boolean => {
      const send = () =>
        typeof encodingOrCallback === 'function'
          ? write(chunk, encodingOrCallback)
          : write(chunk, encodingOrCallback, callback);
      const request = Buffer.isBuffer(chunk) ? readSyncGroupRequest(chunk) : undefined;
      if (request === undefined) return send();
      if (request.assignmentCount > 0) {
        leaderSyncs.set(request.correlationId, request.generation);
        return send();
      }
      void this.#generation(request.generation).promise.then(send);
      return true;
    };
    // Responses are size-prefixed frames that start with their request's
    // correlation id.
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      while (received.length >= 8 && received.length >= 4 + received.readInt32BE(0)) {
        const correlationId = received.readInt32BE(4);
        const generation = leaderSyncs.get(correlationId);
        if (generation !== undefined) {
          leaderSyncs.delete(correlationId);
          this.#generation(generation).resolve();
        }
        received = received.subarray(4 + received.readInt32BE(0));
      }
    });
  }

  /** The promise that a leader's SyncGroup of `generation` has been answered. */
  #generation(generation: number) {
    let entry = this.#answered.get(generation);
    if (!entry) {
      let resolve: () => void = () => undefined;
      const promise = new Promise<void>((done) => {
        resolve = done;
      });
      entry = { promise, resolve };
      this.#answered.set(generation, entry);
    }
    return entry;
  }
}

/** What one consumer of a round has been told and has read. */
interface Member {
  readonly consumer: Consumer;
  /** Its partitions from its latest group join; undefined before the first. */
  partitions: readonly number[] | undefined;
  /** Why it crashed, if it did. */
  crash: Error | undefined;
  /** Partitions it has read the topic's record from. */
  readonly read: Set<number>;
}

const cleanups = cleanupsAfterEach();
let broker: TestBroker;
const topic = uniqueName('mock-group');
const kafka = (socketFactory?: ISocketFactory): Kafka =>
  testKafka({ brokers: [...broker.brokers], ...(socketFactory ? { socketFactory } : {}) });

beforeAll(async () => {
  broker = await startTestBroker({ topics: [`${topic}:${String(PARTITIONS)}`] });
  const producer = kafka().producer();
  await producer.connect();
  try {
    await producer.send({
      topic,
      messages: Array.from({ length: PARTITIONS }, (_, partition) => ({
        partition,
        value: `record of partition ${String(partition)}`,
      })),
    });
  } finally {
    await producer.disconnect();
  }
});
afterAll(() => broker.stop());

async function connectedMember(groupId: string, socketFactory?: ISocketFactory): Promise<Member> {
  const consumer = kafka(socketFactory).consumer({ ...TEST_CONSUMER, groupId });
  const member: Member = { consumer, partitions: undefined, crash: undefined, read: new Set() };
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    member.partitions = [...(payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    member.crash = payload.error;
  });
  cleanups.push(() => consumer.disconnect());
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  return member;
}

/** Whether each member holds some partitions and together they hold each partition once. */
function shareTheTopic(members: readonly Member[]): boolean {
  const shares = members.map((member) => member.partitions ?? []);
  const all = shares.flat().sort((a, b) => a - b);
  const eachOnce = all.length === PARTITIONS && all.every((partition, i) => partition === i);
  return eachOnce && shares.every((partitions) => partitions.length > 0);
}

function failOnCrash(members: readonly Member[]): void {
  for (const [index, member] of members.entries())
    if (member.crash)
      throw new Error(
        `consumer ${String(index)} crashed: ${member.crash.name}: ${member.crash.message}`,
      );
}

describe.each([
  { order: 'as they come', newSocketFactory: () => undefined },
  {
    order: "with the leader's SyncGroup first",
    newSocketFactory: () => new LeaderSyncsFirst().socketFactory,
  },
])('two consumers joining one group at once, $order', ({ newSocketFactory }) => {
  it.each(Array.from({ length: ROUNDS }, (_, i) => i + 1))(
    'round %i: they share the partitions and neither crashes',
    async () => {
      const groupId = uniqueName('mock-group-pair');
      // One per round: the order it keeps is per generation of one group.
      const socketFactory = newSocketFactory();
      const members = await Promise.all([
        connectedMember(groupId, socketFactory),
        connectedMember(groupId, socketFactory),
      ]);

      // run() resolves once its consumer has joined, so the joins are
      // watched while they are under way rather than after.
      const running = Promise.all(
        members.map((member) =>
          member.consumer.run({
            eachMessage: ({ partition }) => {
              member.read.add(partition);
              return Promise.resolve();
            },
          }),
        ),
      );

      await waitFor(
        'both consumers to hold a share of the partitions',
        () => {
          failOnCrash(members);
          return shareTheTopic(members) ? true : undefined;
        },
        { timeoutMs: JOIN_TIMEOUT_MS },
      );
      await waitFor(
        'the record of every partition to be read',
        () => {
          failOnCrash(members);
          const read = new Set(members.flatMap((member) => [...member.read]));
          return read.size === PARTITIONS ? true : undefined;
        },
        { timeoutMs: JOIN_TIMEOUT_MS },
      );
      await running;
      expect(members.map((member) => member.crash)).toEqual([undefined, undefined]);
    },
    2 * JOIN_TIMEOUT_MS + 5_000,
  );
});
