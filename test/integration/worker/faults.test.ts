/**
 * The worker when Kafka refuses what it produces: errors injected into a
 * mock broker of this file's own (a real Kafka takes no such command), so
 * this runs whichever broker the other tests use.
 */
import { describe, expect, it } from 'vitest';
import { header, readTopic } from '../../support/ingress.ts';
import {
  decode,
  happycolisMessage,
  landRaw,
  startTestWorker,
  workerEnvironment,
  privateBrokerAndRegistry,
} from '../../support/worker.ts';

const PRODUCE = 0;
const MESSAGE_TOO_LARGE = 10;

describe('worker under produce faults (a mock broker of its own)', () => {
  const stack = privateBrokerAndRegistry();

  it('dead-letters the one output Kafka refuses as too large, and stores the others', async () => {
    const env = workerEnvironment(stack.registry.url, {
      KAFKA_BROKERS: stack.broker.brokers.join(','),
      WHARF_TOPIC_PARTITIONS: '1',
    });
    const location = (id: string) =>
      happycolisMessage('location/updated', 'body-location.json').replace('LOCATION_ID', id);
    // Landed before the worker starts, so that its first sends are the ones refused:
    // the batch send, then the first record sent on its own.
    const first = await startTestWorker(env);
    await first.shutdown();
    await landRaw(first.config, 'happycolis', [location('L-1'), location('L-2'), location('L-3')]);
    await stack.broker.control.pushRequestErrors(PRODUCE, [MESSAGE_TOO_LARGE, MESSAGE_TOO_LARGE]);

    const worker = await startTestWorker(env);
    try {
      const { config } = worker;
      const brokers = { brokers: stack.broker.brokers };
      const [dead] = await readTopic(config.worker.deadLetterTopic, 1, brokers);
      expect(dead && header(dead, 'wharf-error-code')).toBe('OUTPUT_TOO_LARGE');
      expect(dead && header(dead, 'wharf-error-stage')).toBe('produce');
      expect(dead?.value?.toString()).toBe(location('L-1'));

      const stored = await readTopic(config.worker.domainTopics.locations, 2, brokers);
      const subjects = await Promise.all(
        stored.map(async (message) => (await decode(stack.registry.url, message)).subject),
      );
      expect(subjects).toEqual([
        'happycolis/ORGANIZATION_ID/location/L-2',
        'happycolis/ORGANIZATION_ID/location/L-3',
      ]);
    } finally {
      await stack.broker.control.clearRequestErrors(PRODUCE);
      await worker.shutdown();
    }
  });
});
