/**
 * A tenant is bound to its credential, over HTTP through the real ingress
 * and worker: a HappyColis secret issued for one organization cannot speak
 * for another (the worker dead-letters the body, answered 200 so that
 * HappyColis's queue is not blocked), the same entity of two tenants is two
 * subjects and two event ids (so one cannot suppress the other's events
 * through deduplication), and a body that names no tenant gets its
 * credential's.
 */
import { readFileSync } from 'node:fs';
import type { KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleFile } from '../../../src/cli/examples.ts';
import type { Config } from '../../../src/config/config.ts';
import type { EmbeddedRegistry } from '../../../src/registry/index.ts';
import { post } from '../../support/http.ts';
import {
  SHIPWELL_CREDENTIALS,
  basicAuth,
  happycolisSignature,
  header,
  readTopic,
  startTestIngress,
} from '../../support/ingress.ts';
import { uniqueName } from '../../support/kafka.ts';
import {
  decode,
  happycolisMessage,
  startTestRegistry,
  startTestWorker,
  workerEnvironment,
} from '../../support/worker.ts';

const VICTIM_SECRET = 'secret-issued-to-victim-org';
const ATTACKER_SECRET = 'secret-issued-to-attacker-org';
const SIGNATURE = 'x-happycolis-webhook-signature';

/** A HappyColis location event of `organization` about location `id`. */
function locationEvent(organization: string, id: string): string {
  return happycolisMessage('location/updated', 'body-location.json')
    .replace('ORGANIZATION_ID', organization)
    .replace('LOCATION_ID', id);
}

describe('tenants bound to credentials, ingress to worker', () => {
  let registry: EmbeddedRegistry;
  let ingress: Awaited<ReturnType<typeof startTestIngress>>;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let config: Config;

  beforeAll(async () => {
    registry = await startTestRegistry();
    const env = workerEnvironment(registry.url, {
      WHARF_HAPPYCOLIS_SECRETS: `victim-org=${VICTIM_SECRET},attacker-org=${ATTACKER_SECRET}`,
      WHARF_SHIPWELL_SECRETS: `acme=${SHIPWELL_CREDENTIALS}`,
    });
    ingress = await startTestIngress(env);
    worker = await startTestWorker(env);
    config = worker.config;
  });
  afterAll(async () => {
    await ingress.shutdown();
    await worker.shutdown();
    await registry.close();
  });

  const sendHappycolis = async (body: string, secret: string, extra = {}) => {
    const answer = await post(ingress.url, '/webhooks/happycolis', body, {
      [SIGNATURE]: happycolisSignature(body, secret),
      ...extra,
    });
    expect(answer.status, JSON.stringify(answer.json)).toBe(200);
    return String(answer.json.id);
  };

  it('dead-letters what one tenant’s secret says for another, and keeps the two tenants apart', async () => {
    const location = uniqueName('loc');
    const victimBody = locationEvent('victim-org', location);
    // Signed with the attacker's own secret, claiming the victim's organization,
    // and naming the victim in a header of its own: accepted (never a 4xx for
    // HappyColis), never routed.
    const forged = await sendHappycolis(victimBody, ATTACKER_SECRET, {
      'wharf-tenant': 'victim-org',
    });
    await sendHappycolis(victimBody, VICTIM_SECRET);
    await sendHappycolis(locationEvent('attacker-org', location), ATTACKER_SECRET);

    const [dead] = await readTopic(config.worker.deadLetterTopic, 1);
    expect(dead && header(dead, 'wharf-request-id')).toBe(forged);
    expect(dead && header(dead, 'wharf-error-code')).toBe('TENANT_MISMATCH');
    expect(dead && header(dead, 'wharf-error-stage')).toBe('authorize');
    expect(dead && header(dead, 'wharf-tenant')).toBe('attacker-org');
    expect(dead?.value?.toString()).toBe(victimBody);

    const events = await decodeAll(await readTopic(config.worker.domainTopics.locations, 2));
    // Two subjects may sit on two partitions: read in any order.
    const byTenant = events.map(({ tenant, subject }) => ({ tenant, subject }));
    expect(byTenant).toEqual(
      expect.arrayContaining([
        { tenant: 'victim-org', subject: `happycolis/victim-org/location/${location}` },
        { tenant: 'attacker-org', subject: `happycolis/attacker-org/location/${location}` },
      ]),
    );
    expect(events).toHaveLength(2);
    expect(events[0]?.id).not.toBe(events[1]?.id);
  });

  it('gives a body that names no tenant the tenant of its credential', async () => {
    const body = readFileSync(exampleFile('shipwell'));
    const answer = await post(ingress.url, '/webhooks/shipwell/order.created', body, {
      authorization: basicAuth(SHIPWELL_CREDENTIALS),
    });
    expect(answer.status, JSON.stringify(answer.json)).toBe(200);
    const [order] = await decodeAll(await readTopic(config.worker.domainTopics.orders, 1));
    expect(order?.tenant).toBe('acme');
    expect(String(order?.subject)).toMatch(/^shipwell\/acme\/order\//);
  });

  const decodeAll = (messages: KafkaMessage[]) =>
    Promise.all(messages.map((message) => decode(registry.url, message)));
});
