/**
 * docs/reference/canonical-events.md documents every canonical event type
 * with a sample the worker's pipeline made of a provider fixture. That the
 * committed page is what `npm run generate` writes (so that the samples
 * follow the normalizers) is checked with the other generated files
 * (test/unit/ops/generated-files.test.ts); here, that the page is whole and
 * its samples are events a consumer can decode.
 */
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { CANONICAL_EVENT_TYPES } from '../../../src/canonical/event-types.ts';
import { DOMAINS } from '../../../src/canonical/model.ts';
import { CANONICAL_TYPES } from '../../../src/canonical/schemas.ts';
import {
  eventTypesByDomain,
  typesWithoutSample,
} from '../../../scripts/reference/canonical-events.ts';
import {
  SAMPLE_RECEIVED_AT,
  fixtureSamples,
  samplesByType,
} from '../../../scripts/reference/samples.ts';

let page: string;

beforeAll(async () => {
  page = await readFile(
    new URL('../../../docs/reference/canonical-events.md', import.meta.url),
    'utf8',
  );
});

/** The part of the page about one event type: from its heading to the next. */
function section(type: string): string {
  const start = page.indexOf(`### \`${type}\``);
  if (start < 0) return '';
  const next = page.indexOf('\n#', start + 1);
  return page.slice(start, next < 0 ? undefined : next);
}

describe('the canonical events reference', () => {
  it('has a section for every canonical event type', () => {
    for (const type of CANONICAL_EVENT_TYPES) expect(section(type), type).not.toBe('');
  });

  it('gives each type a sample of that type, or says that no fixture produces it', () => {
    const samples = samplesByType(fixtureSamples());
    for (const type of CANONICAL_EVENT_TYPES) {
      expect(section(type)).toContain(
        samples.has(type) ? `"type": "${type}"` : 'No provider fixture produces this type',
      );
    }
    expect(typesWithoutSample(samples).length).toBeLessThan(CANONICAL_EVENT_TYPES.length);
  });

  it('makes samples its domain’s Avro record takes, received at the fixed time', () => {
    const samples = fixtureSamples();
    expect(samples.length).toBeGreaterThan(0);
    for (const { record, from } of samples) {
      expect(CANONICAL_TYPES[record.domain].isValid(record.event), from).toBe(true);
      expect(record.event.receivedAt).toBe(SAMPLE_RECEIVED_AT);
      expect(record.event.providerPayload).toBeNull();
    }
  });

  it('knows the domain of every event type from the samples', () => {
    const byDomain = eventTypesByDomain(fixtureSamples());
    expect([...byDomain.keys()]).toEqual([...DOMAINS]);
    expect([...byDomain.values()].flat().sort()).toEqual([...CANONICAL_EVENT_TYPES].sort());
  });
});
