/**
 * The canonical codec's registration against the embedded registry (which
 * answers as Confluent does): the subjects each strategy names, the level
 * FULL_TRANSITIVE it gives them and the registry then enforces, and a
 * subject at another level stopping it with the fix in the message.
 * test/integration/registry/apicurio.test.ts asks the same of Apicurio.
 */
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOMAINS } from '../../../src/canonical/model.ts';
import { canonicalSchema, canonicalSubject } from '../../../src/canonical/schemas.ts';
import { loadWorkerSettings } from '../../../src/config/config.ts';
import { CanonicalCodec, SubjectCompatibilityError } from '../../../src/kafka/canonical-codec.ts';
import { startEmbeddedRegistry } from '../../../src/registry/index.ts';
import type { EmbeddedRegistry } from '../../../src/registry/index.ts';
import { uniqueName } from '../../support/kafka.ts';

/** Domain topics of one's own. */
function ownTopics() {
  return loadWorkerSettings(
    Object.fromEntries(
      DOMAINS.map((domain) => [`WHARF_${domain.toUpperCase()}_TOPIC`, uniqueName(domain)]),
    ),
  ).domainTopics;
}

describe('CanonicalCodec.register', () => {
  let registry: EmbeddedRegistry;
  const client = () => new SchemaRegistry({ host: registry.url, retry: { retries: 0 } });
  const get = async (path: string): Promise<unknown> =>
    (await fetch(`${registry.url}${path}`)).json();
  const put = (path: string, body: unknown) =>
    fetch(`${registry.url}${path}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    registry = await startEmbeddedRegistry();
  });
  afterAll(() => registry.close());

  it('registers each domain under <topic>-value by default, at FULL_TRANSITIVE', async () => {
    const topics = ownTopics();
    const codec = await CanonicalCodec.register(client(), topics);
    const subjects = (await get('/subjects')) as string[];
    for (const domain of DOMAINS) {
      const subject = `${topics[domain]}-value`;
      expect(subjects, domain).toContain(subject);
      expect(await get(`/subjects/${subject}/versions/latest`), domain).toMatchObject({
        version: 1,
        id: codec.schemaId(domain),
      });
      expect(await get(`/config/${subject}`), domain).toEqual({
        compatibilityLevel: 'FULL_TRANSITIVE',
      });
    }
  });

  it('registers under <topic>-<record full name> with topic-record', async () => {
    const topics = ownTopics();
    await CanonicalCodec.register(client(), topics, 'topic-record');
    const subjects = (await get('/subjects')) as string[];
    expect(subjects).toContain(`${topics.orders}-wharf.canonical.OrderEvent`);
    expect(subjects).not.toContain(`${topics.orders}-value`);
    for (const domain of DOMAINS)
      expect(subjects, domain).toContain(canonicalSubject(topics[domain], domain, 'topic-record'));
  });

  it('stops at a subject whose level is another, naming the subject and the fix', async () => {
    const topics = ownTopics();
    await CanonicalCodec.register(client(), topics);
    const subject = canonicalSubject(topics.shipments, 'shipments', 'topic');
    await put(`/config/${subject}`, { compatibility: 'BACKWARD' });
    const refused = CanonicalCodec.register(client(), topics);
    await expect(refused).rejects.toBeInstanceOf(SubjectCompatibilityError);
    await expect(refused).rejects.toThrow(
      `schema registry subject ${subject}: Compatibility does not match the configuration ` +
        `(FULL_TRANSITIVE != BACKWARD). Wharf registers under FULL_TRANSITIVE compatibility: ` +
        `set the subject's level (PUT /config/${subject} {"compatibility": "FULL_TRANSITIVE"})`,
    );
    // The fix the message gives works.
    await put(`/config/${subject}`, { compatibility: 'FULL_TRANSITIVE' });
    await expect(CanonicalCodec.register(client(), topics)).resolves.toBeInstanceOf(CanonicalCodec);
  });

  it('leaves the registry refusing a version compatible with the latest one only', async () => {
    const topics = ownTopics();
    await CanonicalCodec.register(client(), topics);
    const subject = canonicalSubject(topics.orders, 'orders', 'topic');
    const withChannel = (field: Record<string, unknown>) => {
      const schema = canonicalSchema('orders') as { fields: unknown[] };
      schema.fields.push({ name: 'channel', type: 'string', ...field });
      return { type: SchemaType.AVRO as const, schema: JSON.stringify(schema) };
    };
    const options = { subject, compatibility: COMPATIBILITY.FULL_TRANSITIVE };
    await client().register(withChannel({ default: 'web' }), options);
    // Reads version 2's data, and version 2 reads its; version 1's data has no channel.
    await expect(client().register(withChannel({}), options)).rejects.toMatchObject({
      status: 409,
    });
    expect(await get(`/subjects/${subject}/versions`)).toEqual([1, 2]);
  });
});
