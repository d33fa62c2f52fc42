/**
 * Produce throughput against the broker chosen in support/broker.ts (a real
 * Apache Kafka by default, `--broker mock` for librdkafka's mock): one awaited `send` per record
 * (the baseline, what a naive webhook handler does) versus the same records
 * grouped into batched sends (what Wharf's publisher does). Both use an
 * idempotent producer with acks=all, as Wharf does.
 *
 * BENCH_RECORDS (default 5000, 20000 with --full / BENCH_FULL=1) and
 * BENCH_BATCH (default 100) size the run.
 */
import { Kafka, logLevel } from 'kafkajs';
import type { Producer } from 'kafkajs';
import { startBenchBroker } from './support/broker.ts';

const records = Number(
  process.env.BENCH_RECORDS ?? (process.env.BENCH_FULL === '1' ? 20_000 : 5_000),
);
const batchSize = Number(process.env.BENCH_BATCH ?? 100);
const value = Buffer.alloc(1024, 'x');

async function timed(run: () => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function oneSendPerRecord(producer: Producer, topic: string) {
  for (let i = 0; i < records; i++) {
    await producer.send({ topic, acks: -1, messages: [{ key: String(i % 64), value }] });
  }
}

async function batchedSends(producer: Producer, topic: string) {
  for (let start = 0; start < records; start += batchSize) {
    const messages = Array.from({ length: Math.min(batchSize, records - start) }, (_, i) => ({
      key: String((start + i) % 64),
      value,
    }));
    await producer.send({ topic, acks: -1, messages });
  }
}

const broker = await startBenchBroker({
  topics: [
    { topic: 'bench-single', numPartitions: 4 },
    { topic: 'bench-batched', numPartitions: 4 },
  ],
});
console.log(`broker: ${broker.name} at ${broker.brokers.join(',')}`);
try {
  const kafka = new Kafka({
    clientId: 'bench',
    brokers: [...broker.brokers],
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const single = await timed(() => oneSendPerRecord(producer, 'bench-single'));
  const batched = await timed(() => batchedSends(producer, 'bench-batched'));
  await producer.disconnect();

  const rate = (seconds: number) => Math.round(records / seconds);
  console.log(`records: ${String(records)} x 1 KiB, batch size ${String(batchSize)}`);
  console.log(`baseline  one send per record: ${String(rate(single))} records/s`);
  console.log(
    `batched   ${String(batchSize)} records per send: ${String(rate(batched))} records/s`,
  );
  console.log(`ratio batched/baseline: ${(single / batched).toFixed(1)}x`);
} finally {
  await broker.stop();
}
