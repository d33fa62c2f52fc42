/**
 * Wharf against a third-party registry: Apicurio Registry's
 * Confluent-compatible API (src/broker/apicurio.ts), driven the way Wharf
 * drives a registry: the canonical codec registering, encoding and decoding;
 * the worker turning a raw webhook into a domain record a consumer decodes;
 * `wharf tail`; `wharf schemas check`. Then the differences from Confluent
 * that docs/registries.md lists, each asked of Apicurio and of the embedded
 * registry (which answers as Confluent does).
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOMAINS } from '../../../src/canonical/model.ts';
import type { Domain } from '../../../src/canonical/model.ts';
import { cloudEventType } from '../../../src/canonical/event-types.ts';
import type { CanonicalEventType } from '../../../src/canonical/event-types.ts';
import { canonicalSchema, canonicalSubject } from '../../../src/canonical/schemas.ts';
import { registerSchemas } from '../../../src/cli/commands/schemas.ts';
import { loadWorkerSettings } from '../../../src/config/config.ts';
import type { Config } from '../../../src/config/config.ts';
import { CanonicalCodec, SubjectCompatibilityError } from '../../../src/kafka/canonical-codec.ts';
import { CANONICAL_SCHEMA_DIR } from '../../../src/ops/schema-check.ts';
import { startEmbeddedRegistry } from '../../../src/registry/index.ts';
import type { EmbeddedRegistry } from '../../../src/registry/index.ts';
import { transform } from '../../../src/worker/pipeline.ts';
import { apicurioChoice, apicurioForTests } from '../../support/apicurio-registry.ts';
import { cleanEnvironment, runWharf } from '../../support/cli.ts';
import { header, readTopic } from '../../support/ingress.ts';
import { uniqueName } from '../../support/kafka.ts';
import { runOps } from '../../support/ops-cli.ts';
import { pipelineDefaults } from '../../support/pipeline.ts';
import {
  decode,
  fixture,
  landRaw,
  startTestWorker,
  workerEnvironment,
} from '../../support/worker.ts';

const choice = await apicurioChoice();

/** Topics of one's own for every domain, as WHARF_<DOMAIN>_TOPIC variables. */
function domainTopicEnvironment(): Record<string, string> {
  return Object.fromEntries(
    DOMAINS.map((domain) => [`WHARF_${domain.toUpperCase()}_TOPIC`, uniqueName(domain)]),
  );
}

/** A registry client that fails at once instead of retrying. */
function client(url: string): SchemaRegistry {
  return new SchemaRegistry({ host: url, retry: { retries: 0 } });
}

/** The canonical event the pure pipeline makes of an Ongoing fixture. */
function ongoingEvent(name: string) {
  const output = transform(
    {
      topic: pipelineDefaults().rawTopics.ongoing,
      partition: 0,
      offset: '0',
      key: null,
      value: Buffer.from(fixture('ongoing', name)),
      headers: {
        'wharf-source': 'ongoing',
        'wharf-request-id': uniqueName('req'),
        'wharf-received-at': new Date().toISOString(),
        'content-type': 'application/json',
      },
    },
    pipelineDefaults(),
  );
  if (output.kind !== 'domain') throw new Error(`${name}: ${output.error.message}`);
  return output;
}

interface Answer {
  status: number;
  body: unknown;
}

async function call(base: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

describe.skipIf(!choice.run)('Wharf against Apicurio Registry (Confluent-compatible API)', () => {
  const apicurio = apicurioForTests();
  const url = () => apicurio.registry.url;
  /** Answers as Confluent does: the other side of every comparison. */
  let confluent: EmbeddedRegistry;
  const embedded = () => confluent;
  beforeAll(async () => {
    confluent = await startEmbeddedRegistry();
  });
  afterAll(() => confluent.close());

  it('serves the Confluent API under /apis/ccompat/v7, global compatibility BACKWARD', async () => {
    expect(url()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/apis\/ccompat\/v7$/);
    expect((await call(url(), 'GET', '/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
  });

  describe('the canonical codec', () => {
    it('registers every domain schema, encodes, and a fresh client decodes it', async () => {
      const topics = loadWorkerSettings(domainTopicEnvironment()).domainTopics;
      const codec = await CanonicalCodec.register(client(url()), topics);
      for (const domain of DOMAINS) {
        const latest = await call(
          url(),
          'GET',
          `/subjects/${encodeURIComponent(canonicalSubject(topics[domain], domain, 'topic'))}/versions/latest`,
        );
        expect(latest.body, domain).toMatchObject({ version: 1, id: codec.schemaId(domain) });
      }
      // A restarted worker registers again and gets the same ids.
      const again = await CanonicalCodec.register(client(url()), topics);
      expect(DOMAINS.map((domain) => again.schemaId(domain))).toEqual(
        DOMAINS.map((domain) => codec.schemaId(domain)),
      );

      const { domain, event } = ongoingEvent('order-picked.json');
      const encoded = await codec.encode(domain, event);
      expect(encoded.readUInt8(0)).toBe(0);
      expect(encoded.readUInt32BE(1)).toBe(codec.schemaId(domain));
      expect(await client(url()).decode(encoded)).toEqual(event);
    });

    it('is refused a change compatible with the latest version only (409, FULL_TRANSITIVE)', async () => {
      const topic = uniqueName('orders');
      const subject = canonicalSubject(topic, 'orders', 'topic');
      await CanonicalCodec.register(
        client(url()),
        loadWorkerSettings({ WHARF_ORDERS_TOPIC: topic }).domainTopics,
      );
      expect((await call(url(), 'GET', `/config/${subject}`)).body).toEqual({
        compatibilityLevel: 'FULL_TRANSITIVE',
      });
      const withChannel = (field: Record<string, unknown>) => {
        const schema = canonicalSchema('orders') as { fields: unknown[] };
        schema.fields.push({ name: 'channel', type: 'string', ...field });
        return { type: SchemaType.AVRO as const, schema: JSON.stringify(schema) };
      };
      const options = { subject, compatibility: COMPATIBILITY.FULL_TRANSITIVE };
      await client(url()).register(withChannel({ default: 'web' }), options);
      // Reads version 2's data, and version 2 reads its; version 1's data has no channel.
      await expect(client(url()).register(withChannel({}), options)).rejects.toMatchObject({
        status: 409,
      });
      expect((await call(url(), 'GET', `/subjects/${subject}/versions`)).body).toEqual([1, 2]);
    });
  });

  describe('a subject without a compatibility level of its own', () => {
    /** Registers the canonical schemas, then removes every subject's own level. */
    async function registeredWithoutLevels(base: string): Promise<Record<Domain, string>> {
      const topics = loadWorkerSettings(domainTopicEnvironment()).domainTopics;
      await CanonicalCodec.register(client(base), topics);
      for (const domain of DOMAINS)
        await call(base, 'DELETE', `/config/${canonicalSubject(topics[domain], domain, 'topic')}`);
      return topics;
    }

    it('gets FULL_TRANSITIVE from Confluent; Apicurio reports its configured default, not the global level', async () => {
      const confluentTopics = await registeredWithoutLevels(embedded().url);
      await CanonicalCodec.register(client(embedded().url), confluentTopics);
      const confluentSubject = canonicalSubject(confluentTopics.orders, 'orders', 'topic');
      expect((await call(embedded().url, 'GET', `/config/${confluentSubject}`)).body).toEqual({
        compatibilityLevel: 'FULL_TRANSITIVE',
      });

      // The worker registers again: the default this file's Apicurio starts with is BACKWARD,
      // which the client reads as the subject's level, so the worker stops, naming the subject.
      const topics = await registeredWithoutLevels(url());
      const subject = canonicalSubject(topics.orders, 'orders', 'topic');
      const refused = CanonicalCodec.register(client(url()), topics);
      await expect(refused).rejects.toBeInstanceOf(SubjectCompatibilityError);
      await expect(refused).rejects.toThrow(
        `subject ${subject}: Compatibility does not match the configuration (FULL_TRANSITIVE != BACKWARD)`,
      );
      await call(url(), 'PUT', '/config', { compatibility: 'NONE' });
      try {
        // The subject still reads BACKWARD, though NONE is the level in force.
        expect((await call(url(), 'GET', `/config/${subject}`)).body).toEqual({
          compatibilityLevel: 'BACKWARD',
        });
        expect((await call(url(), 'GET', `/config/${subject}?defaultToGlobal=true`)).body).toEqual({
          compatibilityLevel: 'NONE',
        });
      } finally {
        await call(url(), 'PUT', '/config', { compatibility: 'BACKWARD' });
      }
    });

    it('a subject whose level is not FULL_TRANSITIVE stops the worker, naming the subject', async () => {
      for (const base of [embedded().url, url()]) {
        const topics = loadWorkerSettings(domainTopicEnvironment()).domainTopics;
        await CanonicalCodec.register(client(base), topics);
        const subject = canonicalSubject(topics.shipments, 'shipments', 'topic');
        await call(base, 'PUT', `/config/${subject}`, { compatibility: 'NONE' });
        const refused = CanonicalCodec.register(client(base), topics);
        await expect(refused, base).rejects.toBeInstanceOf(SubjectCompatibilityError);
        await expect(refused, base).rejects.toThrow(
          `subject ${subject}: Compatibility does not match the configuration (FULL_TRANSITIVE != NONE)`,
        );
      }
    });
  });

  describe('the worker, and wharf tail reading its output', () => {
    let worker: Awaited<ReturnType<typeof startTestWorker>>;
    let config: Config;
    let fulfillmentTopic: string;

    beforeAll(async () => {
      worker = await startTestWorker(workerEnvironment(url(), { WHARF_TOPIC_PARTITIONS: '1' }));
      config = worker.config;
      fulfillmentTopic = config.worker.domainTopics.fulfillment;
      await landRaw(config, 'ongoing', [
        fixture('ongoing', 'order-created.json'),
        fixture('ongoing', 'order-picked.json'),
      ]);
    });
    afterAll(async () => {
      await worker.shutdown();
    });

    it('turns raw webhooks into domain records that decode through Apicurio', async () => {
      const records = await readTopic(fulfillmentTopic, 2, { timeoutMs: 30_000 });
      const events = await Promise.all(records.map((record) => decode(url(), record)));
      expect(events.map((event) => event.type)).toEqual([
        'fulfillment_order.created',
        'fulfillment_order.picked',
      ]);
      expect(events[1]).toMatchObject({ source: 'ongoing', data: { status: 'PICKED' } });
      expect(records.map((record) => header(record, 'ce_type'))).toEqual(
        events.map((event) => cloudEventType(event.type as CanonicalEventType)),
      );
      // The id in the wire header is the one Apicurio gave the subject's schema.
      const subject = canonicalSubject(
        fulfillmentTopic,
        'fulfillment',
        config.worker.schemaSubjectStrategy,
      );
      const latest = await call(url(), 'GET', `/subjects/${subject}/versions/latest`);
      expect(records[0]?.value?.readUInt32BE(1)).toBe((latest.body as { id: number }).id);
    });

    it('wharf tail prints the events decoded through Apicurio', async () => {
      const result = await runWharf(
        ['tail', 'fulfillment', '--from-beginning', '--max', '2', '--timeout', '60'],
        {
          env: cleanEnvironment({
            KAFKA_BROKERS: config.kafka.brokers.join(','),
            SCHEMA_REGISTRY_URL: url(),
            WHARF_FULFILLMENT_TOPIC: fulfillmentTopic,
          }),
        },
      );
      expect(result.code, result.stderr).toBe(0);
      const printed = result.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(printed.map((event) => event.type)).toEqual([
        'fulfillment_order.created',
        'fulfillment_order.picked',
      ]);
      expect(printed[1]).toMatchObject({ source: 'ongoing', data: { status: 'PICKED' } });
    });
  });

  describe('wharf schemas check', () => {
    const check = (args: readonly string[], env: Record<string, string>) =>
      runOps([registerSchemas], ['schemas', 'check', ...args], env);
    let env: Record<string, string>;
    let topics: Readonly<Record<Domain, string>>;

    beforeAll(async () => {
      env = domainTopicEnvironment();
      topics = loadWorkerSettings(env).domainTopics;
      await CanonicalCodec.register(client(url()), topics);
    });

    it('passes the installed schemas against the latest versions under the worker subjects', async () => {
      const result = await check(['--registry', '--json'], { ...env, SCHEMA_REGISTRY_URL: url() });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout) as {
        schemas: { subject?: string; status: string; against: string }[];
      };
      expect(report.schemas.map((schema) => schema.subject).sort()).toEqual(
        DOMAINS.map((domain) => `${topics[domain]}-value`).sort(),
      );
      expect(new Set(report.schemas.map((schema) => `${schema.status} ${schema.against}`))).toEqual(
        new Set(['compatible registry version 1']),
      );
    });

    it('names the field of an incompatible change, and treats an unregistered subject as new', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'wharf-schemas-'));
      try {
        await cp(CANONICAL_SCHEMA_DIR, dir, { recursive: true });
        const file = join(dir, 'inventory-event.avsc');
        const schema = JSON.parse(await readFile(file, 'utf8')) as { fields: unknown[] };
        schema.fields.push({ name: 'warehouse', type: 'string' });
        await writeFile(file, JSON.stringify(schema));
        const result = await check(['--registry', url(), '--dir', dir], env);
        expect(result.code).toBe(1);
        expect(result.stdout).toContain(
          'InventoryEvent.warehouse (field warehouse): reading data of registry version 1: field `warehouse` added without a default',
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      const fresh = await check(['--registry', url()], {
        WHARF_ORDERS_TOPIC: uniqueName('orders'),
      });
      expect(fresh.code, fresh.stderr).toBe(0);
      expect(fresh.stdout).toMatch(/^new {11}order-event\.avsc/m);
    });
  });

  describe('where Apicurio answers otherwise than Confluent (docs/registries.md)', () => {
    /** The same requests to both registries, each on subjects of its own. */
    async function both(
      steps: (base: string, subject: string) => Promise<Answer>,
    ): Promise<{ confluent: Answer; apicurio: Answer }> {
      return {
        confluent: await steps(embedded().url, uniqueName('subject')),
        apicurio: await steps(url(), uniqueName('subject')),
      };
    }

    const record = (fields: unknown[], extra: Record<string, unknown> = {}) =>
      JSON.stringify({ type: 'record', name: 'Parcel', namespace: 'test', ...extra, fields });
    const v1 = record([{ name: 'id', type: 'string' }]);
    const v2 = record([
      { name: 'id', type: 'string' },
      { name: 'weight', type: 'int', default: 0 },
    ]);
    /** Reads v2's data (weight has no default), not v1's. */
    const v3 = record([
      { name: 'id', type: 'string' },
      { name: 'weight', type: 'int' },
    ]);

    it('one schema written two ways: one id (Confluent), two ids (Apicurio)', async () => {
      const { confluent, apicurio } = await both(async (base, subject) => {
        const compact = await call(base, 'POST', `/subjects/${subject}-a/versions`, { schema: v1 });
        const pretty = await call(base, 'POST', `/subjects/${subject}-b/versions`, {
          schema: JSON.stringify(JSON.parse(v1), null, 2),
        });
        return { status: 200, body: [compact.body, pretty.body] };
      });
      const [compactC, prettyC] = confluent.body as { id: number }[];
      const [compactA, prettyA] = apicurio.body as { id: number }[];
      expect(prettyC?.id).toBe(compactC?.id);
      expect(prettyA?.id).not.toBe(compactA?.id);
    });

    it('a change of docs only: a new version (Confluent), the same one (Apicurio)', async () => {
      const { confluent, apicurio } = await both(async (base, subject) => {
        await call(base, 'POST', `/subjects/${subject}/versions`, { schema: v1 });
        await call(base, 'POST', `/subjects/${subject}/versions`, {
          schema: record([{ name: 'id', type: 'string' }], { doc: 'A parcel.' }),
        });
        return call(base, 'GET', `/subjects/${subject}/versions`);
      });
      expect(confluent.body).toEqual([1, 2]);
      expect(apicurio.body).toEqual([1]);
    });

    it('compatibility answers: messages when verbose (Confluent), never (Apicurio)', async () => {
      const aString = { schema: JSON.stringify({ type: 'string' }) };
      const { confluent, apicurio } = await both(async (base, subject) => {
        const path = `/compatibility/subjects/${subject}/versions/latest`;
        await call(base, 'POST', `/subjects/${subject}/versions`, { schema: v1 });
        const plain = await call(base, 'POST', path, aString);
        const verbose = await call(base, 'POST', `${path}?verbose=true`, aString);
        return { status: 200, body: [plain.body, verbose.body] };
      });
      expect(confluent.body).toEqual([
        { is_compatible: false },
        { is_compatible: false, messages: [expect.any(String)] },
      ]);
      expect(apicurio.body).toEqual([{ is_compatible: false }, { is_compatible: false }]);
    });

    it('a transitive level: both test one version against latest, and all of them without one', async () => {
      const { confluent, apicurio } = await both(async (base, subject) => {
        const path = `/compatibility/subjects/${subject}/versions`;
        await call(base, 'PUT', `/config/${subject}`, { compatibility: 'BACKWARD_TRANSITIVE' });
        await call(base, 'POST', `/subjects/${subject}/versions`, { schema: v1 });
        await call(base, 'POST', `/subjects/${subject}/versions`, { schema: v2 });
        const latest = await call(base, 'POST', `${path}/latest`, { schema: v3 });
        const all = await call(base, 'POST', path, { schema: v3 });
        return { status: 200, body: [latest.body, all.body] };
      });
      expect(apicurio.body).toEqual(confluent.body);
      expect(confluent.body).toEqual([{ is_compatible: true }, { is_compatible: false }]);
    });

    it("compatibility verdicts agree (Wharf's schemas check uses the embedded rule)", async () => {
      const field = (name: string, type: unknown, extra: Record<string, unknown> = {}) => ({
        name,
        type,
        ...extra,
      });
      const colour = (symbols: string[]) => ({ type: 'enum', name: 'Colour', symbols });
      // [previous, next, BACKWARD verdict]
      const changes: [string, string, boolean][] = [
        [record([field('n', 'int')]), record([field('n', 'long')]), true],
        [record([field('n', 'long')]), record([field('n', 'int')]), false],
        [record([field('n', 'int')]), record([field('n', 'int'), field('m', 'int')]), false],
        [
          record([field('c', colour(['RED']))]),
          record([field('c', colour(['RED', 'BLUE']))]),
          true,
        ],
        [
          record([field('c', colour(['RED', 'BLUE']))]),
          record([field('c', colour(['RED']))]),
          false,
        ],
        [record([field('s', 'string')]), record([field('t', 'string', { aliases: ['s'] })]), true],
        [
          record([field('s', ['null', 'string'], { default: null })]),
          record([field('s', 'string')]),
          false,
        ],
        [
          record([field('n', 'int')]),
          record([field('n', 'int')], { namespace: 'elsewhere' }),
          true,
        ],
      ];
      const verdicts = await both(async (base, subject) => {
        const answers: unknown[] = [];
        for (const [index, [previous, next]] of changes.entries()) {
          await call(base, 'POST', `/subjects/${subject}-${String(index)}/versions`, {
            schema: previous,
          });
          const answer = await call(
            base,
            'POST',
            `/compatibility/subjects/${subject}-${String(index)}/versions/latest`,
            { schema: next },
          );
          answers.push((answer.body as { is_compatible?: boolean }).is_compatible);
        }
        return { status: 200, body: answers };
      });
      const expected = changes.map(([, , compatible]) => compatible);
      expect(verdicts.confluent.body).toEqual(expected);
      expect(verdicts.apicurio.body).toEqual(expected);
    });

    it('subject configuration and error answers', async () => {
      const notAvro = { schema: '{"type": "nope"}' };
      const { confluent, apicurio } = await both(async (base, subject) => {
        const answers = [
          // No level of its own: 40408 (Confluent); 40401, then its configured default (Apicurio).
          await call(base, 'GET', `/config/${subject}`),
          await call(base, 'POST', `/subjects/${subject}/versions`, { schema: v1 }),
          await call(base, 'GET', `/config/${subject}`),
          await call(base, 'GET', `/subjects/${subject}/versions/abc`),
          await call(base, 'DELETE', `/subjects/${subject}?permanent=true`),
          await call(base, 'POST', `/subjects/${subject}/versions`, notAvro),
          await call(base, 'GET', '/schemas/ids/987654'),
          await call(base, 'POST', `/compatibility/subjects/${subject}-none/versions/1`, {
            schema: v1,
          }),
          await call(
            base,
            'POST',
            `/compatibility/subjects/${subject}/versions/latest?verbose=true`,
            notAvro,
          ),
        ];
        return {
          status: 200,
          body: answers.map(({ status, body }) => [
            status,
            (body as { error_code?: number } | undefined)?.error_code ??
              (body as { compatibilityLevel?: string } | undefined)?.compatibilityLevel,
          ]),
        };
      });
      expect(confluent.body).toEqual([
        [404, 40408],
        [200, undefined],
        [404, 40408],
        [422, 42202],
        [404, 40405],
        [422, 42201],
        [404, 40403],
        [404, 40402],
        [200, undefined],
      ]);
      expect(apicurio.body).toEqual([
        [404, 40401],
        [200, undefined],
        [200, 'BACKWARD'],
        [404, 40402],
        [409, 40405],
        [422, 42201],
        [404, 40403],
        [404, 40402],
        [422, 42201],
      ]);
    });
  });
});
