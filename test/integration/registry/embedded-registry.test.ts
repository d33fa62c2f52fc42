/**
 * The embedded registry driven by the real `@kafkajs/confluent-schema-registry` client over HTTP,
 * the way Wharf uses a registry.
 */
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startEmbeddedRegistry } from '../../../src/registry/index.ts';
import type { EmbeddedRegistry } from '../../../src/registry/index.ts';

type Field = Record<string, unknown>;
/** The client's `RawAvroSchema`, which its index does not export. */
type RawRecordSchema = { type: 'record'; name: string; fields: unknown[] };

const id = { name: 'id', type: 'string' };
const weight = { name: 'weightGrams', type: 'int' };

function shipmentSchema(...fields: Field[]): { type: SchemaType.AVRO; schema: string } {
  const schema = { type: 'record', name: 'Shipment', namespace: 'com.acme', fields };
  return { type: SchemaType.AVRO, schema: JSON.stringify(schema) };
}

let registry: EmbeddedRegistry;
let subjectCounter = 0;

/** Tests share one registry; each gets its own subjects. */
function uniqueSubject(label: string): string {
  subjectCounter += 1;
  return `${label}-${subjectCounter}-value`;
}

function newClient(): SchemaRegistry {
  // No retries: a failing request must fail the test at once, not after back-off.
  return new SchemaRegistry({ host: registry.url, retry: { retries: 0 } });
}

async function rejectionOf(promise: Promise<unknown>): Promise<Error & { status?: number }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) {
      return error;
    }
    throw error;
  }
  throw new Error('expected the promise to reject');
}

async function getJson(path: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${registry.url}${path}`);
  return { status: response.status, body: await response.json() };
}

async function sendJson(
  method: string,
  path: string,
  body: unknown,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${registry.url}${path}`, {
    method,
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

beforeAll(async () => {
  registry = await startEmbeddedRegistry();
});

afterAll(async () => {
  await registry.close();
});

describe('embedded registry with @kafkajs/confluent-schema-registry', () => {
  it('listens on an ephemeral loopback port', () => {
    expect(registry.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(registry.url).not.toMatch(/:0$/);
  });

  it('registers, encodes, and decodes with a cold client', async () => {
    const subject = uniqueSubject('roundtrip');
    const { id: schemaId } = await newClient().register(shipmentSchema(id, weight), { subject });
    expect(schemaId).toBeGreaterThan(0);

    const payload = { id: 'SHP-1', weightGrams: 1250 };
    const encoded = await newClient().encode(schemaId, payload);
    expect(encoded.readUInt8(0)).toBe(0);
    expect(encoded.readInt32BE(1)).toBe(schemaId);

    const decoded: unknown = await newClient().decode(encoded);
    expect({ ...(decoded as object) }).toEqual(payload);
  });

  it('returns the same id when the same schema is registered again, even respelled', async () => {
    const subject = uniqueSubject('same');
    const client = newClient();
    const first = await client.register(shipmentSchema(id), { subject });
    expect(await client.register(shipmentSchema(id), { subject })).toEqual(first);

    const respelled =
      '{"fields":[{"type":{"type":"string"},"name":"id"}],"name":"com.acme.Shipment","type":"record"}';
    const again = await newClient().register(
      { type: SchemaType.AVRO, schema: respelled },
      { subject },
    );
    expect(again.id).toBe(first.id);
    expect((await getJson(`/subjects/${subject}/versions`)).body).toEqual([1]);
  });

  it('gives the same global id to the same schema under another subject', async () => {
    const schema = shipmentSchema(id, { name: 'shared', type: 'boolean' });
    const first = await newClient().register(schema, { subject: uniqueSubject('shared') });
    const otherSubject = uniqueSubject('shared');
    const second = await newClient().register(schema, { subject: otherSubject });
    expect(second.id).toBe(first.id);
    expect((await getJson(`/subjects/${otherSubject}/versions/latest`)).body).toMatchObject({
      subject: otherSubject,
      version: 1,
      id: first.id,
    });
  });

  it('accepts a BACKWARD-compatible change as a new version readable from old data', async () => {
    const subject = uniqueSubject('evolve');
    const client = newClient();
    const v1 = await client.register(shipmentSchema(id), { subject });
    const withCarrier = shipmentSchema(id, { name: 'carrier', type: 'string', default: 'unknown' });
    const v2 = await client.register(withCarrier, { subject });

    expect(v2.id).not.toBe(v1.id);
    expect(await newClient().getLatestSchemaId(subject)).toBe(v2.id);
    expect(await newClient().getRegistryId(subject, 1)).toBe(v1.id);
    expect((await getJson(`/subjects/${subject}/versions`)).body).toEqual([1, 2]);

    const oldMessage = await client.encode(v1.id, { id: 'SHP-2' });
    const readAsV2: unknown = await newClient().decode(oldMessage, {
      [SchemaType.AVRO]: { readerSchema: JSON.parse(withCarrier.schema) as RawRecordSchema },
    });
    expect({ ...(readAsV2 as object) }).toEqual({ id: 'SHP-2', carrier: 'unknown' });
  });

  it.each([
    [
      'a field added without a default',
      shipmentSchema(id, weight, { name: 'carrier', type: 'string' }),
      'carrier',
    ],
    [
      'a field type changed',
      shipmentSchema(id, { name: 'weightGrams', type: 'string' }),
      'weightGrams',
    ],
  ])('rejects %s with HTTP 409 naming the field', async (_label, candidate, field) => {
    const subject = uniqueSubject('reject');
    const client = newClient();
    await client.register(shipmentSchema(id, weight), { subject });

    const error = await rejectionOf(client.register(candidate, { subject }));
    expect(error.status).toBe(409);
    expect(error.message).toContain('incompatible');
    expect(error.message).toContain(field);
    expect((await getJson(`/subjects/${subject}/versions`)).body).toEqual([1]);
  });

  it('looks up the id of a registered schema and reports unknown ones', async () => {
    const subject = uniqueSubject('lookup');
    const client = newClient();
    const { id: schemaId } = await client.register(shipmentSchema(id), { subject });
    expect(await newClient().getRegistryIdBySchema(subject, shipmentSchema(id))).toBe(schemaId);

    const error = await rejectionOf(client.getRegistryIdBySchema(subject, shipmentSchema(weight)));
    expect(error.message).toContain('Schema not found');
  });

  it('lets a per-subject NONE through what the subject BACKWARD refused', async () => {
    const subject = uniqueSubject('config');
    const client = newClient();
    await client.register(shipmentSchema(id, weight), { subject });
    // First registration: the client finds no subject config (404) and sets its own default.
    expect(await getJson(`/config/${subject}`)).toEqual({
      status: 200,
      body: { compatibilityLevel: 'BACKWARD' },
    });

    const breaking = shipmentSchema(id, { name: 'weightGrams', type: 'string' });
    expect((await rejectionOf(client.register(breaking, { subject }))).status).toBe(409);
    // The client compares its expected level with the subject's before registering.
    const mismatch = await rejectionOf(
      client.register(breaking, { subject, compatibility: COMPATIBILITY.NONE }),
    );
    expect(mismatch.name).toBe('ConfluentSchemaRegistryCompatibilityError');

    expect(await sendJson('PUT', `/config/${subject}`, { compatibility: 'NONE' })).toEqual({
      status: 200,
      body: { compatibility: 'NONE' },
    });
    const accepted = await client.register(breaking, {
      subject,
      compatibility: COMPATIBILITY.NONE,
    });
    expect(await newClient().getLatestSchemaId(subject)).toBe(accepted.id);
    expect((await getJson(`/subjects/${subject}/versions`)).body).toEqual([1, 2]);
  });

  it('enforces FORWARD when the client configures it on first registration', async () => {
    const subject = uniqueSubject('forward');
    const client = newClient();
    const options = { subject, compatibility: COMPATIBILITY.FORWARD };
    await client.register(shipmentSchema(id, weight), options);
    expect((await getJson(`/config/${subject}`)).body).toEqual({ compatibilityLevel: 'FORWARD' });

    // Old readers ignore a new field, so FORWARD accepts it even without a default...
    await client.register(shipmentSchema(id, weight, { name: 'carrier', type: 'string' }), options);
    // ...but cannot do without a field they require.
    const error = await rejectionOf(client.register(shipmentSchema(id), options));
    expect(error.status).toBe(409);
    expect(error.message).toContain('weightGrams');
  });

  it('serves subjects whose names need URL encoding', async () => {
    const subject = `team/shipments ${uniqueSubject('encoded')}`;
    const { id: schemaId } = await newClient().register(shipmentSchema(id), { subject });
    expect(await newClient().getLatestSchemaId(subject)).toBe(schemaId);
    const { body } = await getJson('/subjects');
    expect(body).toContain(subject);
  });

  it('gives one id to concurrent registrations of the same schema', async () => {
    const subject = uniqueSubject('concurrent');
    const schema = shipmentSchema(id, { name: 'concurrent', type: 'long' });
    const results = await Promise.all(
      Array.from({ length: 8 }, () => newClient().register(schema, { subject })),
    );
    expect(new Set(results.map((result) => result.id)).size).toBe(1);
    expect((await getJson(`/subjects/${subject}/versions`)).body).toEqual([1]);
  });

  it('keeps ids decodable after a subject is deleted', async () => {
    const subject = uniqueSubject('deleted');
    const client = newClient();
    const { id: schemaId } = await client.register(shipmentSchema(id), { subject });
    const encoded = await client.encode(schemaId, { id: 'SHP-3' });

    const response = await fetch(`${registry.url}/subjects/${subject}`, { method: 'DELETE' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([1]);

    expect((await rejectionOf(newClient().getLatestSchemaId(subject))).status).toBe(404);
    const decoded: unknown = await newClient().decode(encoded);
    expect({ ...(decoded as object) }).toEqual({ id: 'SHP-3' });
  });
});
