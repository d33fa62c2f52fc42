/**
 * Property tests of the pure pipeline with the real providers: whatever the
 * bytes, it never throws, and every record ends on a domain topic or the
 * dead-letter topic. (The long fuzz run with 100,000 bodies per provider is
 * the reliability work's; these runs are sized for every CI run.)
 */
import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CANONICAL_TYPES } from '../../../src/canonical/schemas.ts';
import { SOURCES } from '../../../src/providers/index.ts';
import type { Source } from '../../../src/providers/index.ts';
import { transform } from '../../../src/worker/pipeline.ts';
import type { PipelineConfig } from '../../../src/worker/pipeline.ts';
import { pipelineDefaults } from '../../support/pipeline.ts';

const config: PipelineConfig = { ...pipelineDefaults(), timeZone: 'Europe/Paris' };
const TOPICS = new Set([...Object.values(config.topics), config.deadLetterTopic]);

function fixtures(source: Source): unknown[] {
  const folder = new URL(`../../fixtures/providers/${source}/`, import.meta.url);
  return readdirSync(folder)
    .filter((name) => name.endsWith('.json') && !name.startsWith('header-'))
    .map((name) => JSON.parse(readFileSync(new URL(name, folder), 'utf8')) as unknown);
}

const happycolisTypes = config.adapters.happycolis.worker.eventTypes;
/** HappyColis's fixtures are bodies: each gets a header, as HappyColis sends them. */
function asSent(source: Source, body: unknown, i: number): unknown {
  if (source !== 'happycolis') return body;
  const header = {
    id: `m-${String(i)}`,
    type: happycolisTypes[i % happycolisTypes.length],
    timestamp: '2023-12-08T13:56:00',
  };
  return { header, body };
}
const examples = Object.fromEntries(
  SOURCES.map((source) => [source, fixtures(source).map((body, i) => asSent(source, body, i))]),
) as Record<Source, unknown[]>;

/** Sets `value` at a random place inside `message` (or replaces it). */
function mutate(message: unknown, path: readonly string[], value: unknown): unknown {
  if (path.length === 0 || typeof message !== 'object' || message === null) return value;
  const [head = '', ...rest] = path;
  const copy: Record<string, unknown> = Object.assign({}, message) as Record<string, unknown>;
  const keys = Object.keys(copy);
  const key = keys.length > 0 ? (keys[head.length % keys.length] ?? head) : head;
  copy[key] = mutate(copy[key], rest, value);
  return copy;
}

function runsClean(source: Source, body: Buffer, urlEventType?: string): void {
  const output = transform(
    {
      topic: `webhooks.raw.${source}`,
      partition: 0,
      offset: '0',
      key: null,
      value: body,
      headers: {
        'wharf-source': source,
        'wharf-received-at': '2023-12-08T12:00:00.000Z',
        ...(urlEventType === undefined ? {} : { 'wharf-url-event-type': urlEventType }),
      },
    },
    config,
  );
  expect(TOPICS.has(output.topic)).toBe(true);
  // What is routed can be encoded: it fits its canonical schema.
  if (output.kind === 'domain')
    expect(CANONICAL_TYPES[output.domain].isValid(output.event)).toBe(true);
  if (output.kind === 'dead-letter') {
    expect(output.value).toEqual(body);
    // The pipeline turns an exception into INTERNAL; no provider module may throw.
    expect(output.error).not.toMatchObject({ code: 'INTERNAL' });
  }
}

describe.each(SOURCES)('pipeline with %s', (source) => {
  it('never throws on arbitrary JSON, and every record lands on a known topic', () => {
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.option(fc.string(), { nil: undefined }),
        (value, urlEventType) => {
          runsClean(source, Buffer.from(JSON.stringify(value)), urlEventType);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws on mutated real messages', () => {
    const messages = examples[source];
    fc.assert(
      fc.property(
        fc.nat({ max: messages.length - 1 }),
        fc.array(fc.string({ maxLength: 6 }), { maxLength: 4 }),
        fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.constant('__proto__'), fc.double()),
        (index, path, value) => {
          runsClean(
            source,
            Buffer.from(JSON.stringify(mutate(messages[index], path, value) ?? null)),
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        runsClean(source, Buffer.from(bytes));
      }),
      { numRuns: 200 },
    );
  });
});
