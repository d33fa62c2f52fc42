/**
 * docs/reference/asyncapi.yaml, the contract of the topics Wharf writes for
 * consumers: a valid AsyncAPI 3.0 document (by @asyncapi/parser) naming
 * every domain topic, the dead-letter topic and every canonical event type,
 * whose Avro payloads are the schemas the worker registers. That the
 * committed file is what `npm run generate` writes is checked with the other
 * generated files (test/unit/ops/generated-files.test.ts).
 */
import { readFile } from 'node:fs/promises';
import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import type { AsyncAPIDocumentInterface, Diagnostic } from '@asyncapi/parser';
import avro from 'avsc';
import type { Schema } from 'avsc';
import { beforeAll, describe, expect, it } from 'vitest';
import { CANONICAL_EVENT_TYPES, cloudEventType } from '../../../src/canonical/event-types.ts';
import { DOMAINS } from '../../../src/canonical/model.ts';
import { CANONICAL_TYPES } from '../../../src/canonical/schemas.ts';
import { loadWorkerSettings } from '../../../src/config/config.ts';
import { CLOUDEVENT_HEADERS } from '../../../src/kafka/headers.ts';
import { AVRO_SCHEMA_FORMAT, undescribedHeaders } from '../../../scripts/reference/asyncapi.ts';

let document: AsyncAPIDocumentInterface | undefined;
let diagnostics: readonly Diagnostic[];

beforeAll(async () => {
  const text = await readFile(
    new URL('../../../docs/reference/asyncapi.yaml', import.meta.url),
    'utf8',
  );
  ({ document, diagnostics } = await new Parser().parse(text));
});

function parsed(): AsyncAPIDocumentInterface {
  if (document === undefined) throw new Error('the document did not parse');
  return document;
}

describe('the AsyncAPI document', () => {
  it('is valid AsyncAPI 3.0: no errors, no warnings', () => {
    const serious = new Set<number>([DiagnosticSeverity.Error, DiagnosticSeverity.Warning]);
    const problems = diagnostics.filter((diagnostic) => serious.has(diagnostic.severity));
    expect(problems.map((d) => `${d.code}: ${d.message} at ${d.path.join('.')}`)).toEqual([]);
    expect(parsed().version()).toBe('3.0.0');
  });

  it('has a channel and a receive operation for every domain topic and the dead letters', () => {
    const settings = loadWorkerSettings({});
    const addresses = parsed()
      .channels()
      .all()
      .map((channel) => channel.address());
    expect(addresses.sort()).toEqual(
      [...DOMAINS.map((domain) => settings.domainTopics[domain]), settings.deadLetterTopic].sort(),
    );
    const operations = parsed().operations().all();
    expect(operations).toHaveLength(addresses.length);
    for (const operation of operations) expect(operation.action()).toBe('receive');
  });

  it('names every canonical event type in the ce_type of its domain’s message', () => {
    const named = parsed()
      .messages()
      .all()
      .flatMap((message) => {
        const type = message.headers()?.properties()?.[CLOUDEVENT_HEADERS.type];
        return (type?.enum() ?? []).map(String);
      });
    expect(named.sort()).toEqual(CANONICAL_EVENT_TYPES.map(cloudEventType).sort());
  });

  it('carries the canonical schemas the worker registers, as Avro', () => {
    const payloads = parsed()
      .messages()
      .all()
      .map((message) => message.payload())
      .filter((payload) => payload?.schemaFormat() === AVRO_SCHEMA_FORMAT);
    // Without an Avro schema parser registered, the payload is the multi-format object as written.
    const fingerprints = payloads.map((payload) => {
      const { schema } = payload?.json() as { schema: Schema };
      return avro.Type.forSchema(schema, { wrapUnions: false }).fingerprint().toString('hex');
    });
    expect(fingerprints.sort()).toEqual(
      DOMAINS.map((domain) => CANONICAL_TYPES[domain].fingerprint().toString('hex')).sort(),
    );
  });

  it('says what the key of every message is', () => {
    for (const message of parsed().messages().all()) {
      const kafka = message.bindings().get('kafka')?.value<{ key?: { description?: string } }>();
      expect(kafka?.key?.description, message.id()).toBeTruthy();
    }
  });

  it('describes every header Wharf writes (scripts/reference/asyncapi.ts)', () => {
    expect(undescribedHeaders()).toEqual([]);
  });
});
