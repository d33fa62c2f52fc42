/**
 * Real canonical events for the references: every provider fixture
 * (test/fixtures/providers/<source>/, and each provider's example webhook)
 * run through the worker's pure pipeline (`transform`), so that a sample
 * changes when a normalizer does and cannot drift from what Wharf produces.
 *
 * Deterministic: each webhook is read as the first record of its source's
 * raw topic, received at one fixed time; the provider payload is omitted
 * (WHARF_<SOURCE>_PAYLOAD=omit), as it would only repeat the fixture.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CanonicalEventType } from '../../src/canonical/event-types.ts';
import type { Domain } from '../../src/canonical/model.ts';
import { loadWorkerSettings, sourceVariable } from '../../src/config/config.ts';
import { RAW_HEADERS } from '../../src/kafka/headers.ts';
import { PLUGINS, providerAdapters } from '../../src/providers/index.ts';
import type { Source } from '../../src/providers/index.ts';
import { pipelineConfigOf, transform } from '../../src/worker/pipeline.ts';
import type { DomainRecord, RawRecord } from '../../src/worker/pipeline.ts';

/** When every sample webhook was received. */
export const SAMPLE_RECEIVED_AT = '2026-01-15T09:30:00.000Z';

/** A webhook made of fixtures: where it comes from, and its body. */
export interface FixtureWebhook {
  readonly source: Source;
  /** The fixture's path in the repository, and how it was put together when it was. */
  readonly from: string;
  readonly body: Buffer;
  /** The event type the webhook's URL names, for a provider that names it there. */
  readonly urlEventType?: string;
}

/** A canonical event the pipeline made of a fixture webhook. */
export interface Sample {
  readonly from: string;
  readonly record: DomainRecord;
}

const ROOT = new URL('../../', import.meta.url);

function repoRelative(url: URL): string {
  return fileURLToPath(url).slice(fileURLToPath(ROOT).length);
}

/** The plainest fixture first: shorter names are the unadorned cases (`body-order.json`). */
function plainestFirst(a: string, b: string): number {
  return a.length - b.length || a.localeCompare(b);
}

/**
 * A folder's fixtures as webhooks. A folder that keeps an envelope apart
 * from the bodies (`header-*.json`, `body-<family>….json`: HappyColis's
 * documentation shows them so) gets each body under the first envelope,
 * typed by each of the provider's event types of the body's family; the
 * pipeline refuses the combinations that do not fit.
 */
function folderWebhooks(source: Source, eventTypes: readonly string[]): FixtureWebhook[] {
  const folder = new URL(`test/fixtures/providers/${source}/`, ROOT);
  const names = readdirSync(folder)
    .filter((name) => name.endsWith('.json'))
    .sort(plainestFirst);
  const read = (name: string) => readFileSync(new URL(name, folder));
  const webhooks: FixtureWebhook[] = names.map((name) => ({
    source,
    from: repoRelative(new URL(name, folder)),
    body: read(name),
  }));
  // A fixture named after an event type (`order.deleted.made-up.json`) is also sent to that
  // type's URL, as a provider that tells the type by the URL only (Shipwell) sends it.
  for (const name of names) {
    const type = eventTypes.find((t) => name.startsWith(`${t}.`));
    if (type === undefined) continue;
    webhooks.push({
      source,
      from: `${repoRelative(new URL(name, folder))} sent to /webhooks/${source}/${type}`,
      body: read(name),
      urlEventType: type,
    });
  }
  const header = names.find((name) => name.startsWith('header-'));
  if (header === undefined) return webhooks;
  const envelope = JSON.parse(read(header).toString('utf8')) as Record<string, unknown>;
  for (const name of names.filter((file) => file.startsWith('body-'))) {
    const body = JSON.parse(read(name).toString('utf8')) as unknown;
    const family = name.slice('body-'.length);
    for (const type of eventTypes.filter((t) => family.startsWith(t.split('/')[0] ?? ''))) {
      webhooks.push({
        source,
        from: `${repoRelative(new URL(name, folder))} under ${repoRelative(new URL(header, folder))} as ${type}`,
        body: Buffer.from(JSON.stringify({ header: { ...envelope, type }, body })),
      });
    }
  }
  return webhooks;
}

/** Every fixture webhook, provider by provider, each provider's example last. */
export function fixtureWebhooks(): FixtureWebhook[] {
  const adapters = providerAdapters();
  return PLUGINS.flatMap((plugin) => [
    ...folderWebhooks(plugin.name, adapters[plugin.name].worker.eventTypes),
    { source: plugin.name, from: repoRelative(plugin.example), body: readFileSync(plugin.example) },
  ]);
}

/** The pipeline's configuration for samples: the defaults, payloads omitted. */
function sampleConfig() {
  const settings = loadWorkerSettings(
    Object.fromEntries(PLUGINS.map((plugin) => [sourceVariable(plugin.name, 'PAYLOAD'), 'omit'])),
  );
  return pipelineConfigOf(settings, providerAdapters(settings.providerSettings));
}

let computed: readonly Sample[] | undefined;

/**
 * Every canonical event the fixtures give, in the fixtures' order (dead
 * letters left out). Computed once: the pipeline is pure and the fixtures
 * do not change while a process runs.
 */
export function fixtureSamples(): readonly Sample[] {
  computed ??= runFixtures();
  return computed;
}

function runFixtures(): Sample[] {
  const config = sampleConfig();
  return fixtureWebhooks().flatMap((webhook): Sample[] => {
    const raw: RawRecord = {
      topic: config.rawTopics[webhook.source],
      partition: 0,
      offset: '0',
      key: null,
      value: webhook.body,
      headers: {
        [RAW_HEADERS.source]: webhook.source,
        [RAW_HEADERS.requestId]: 'reference-sample',
        [RAW_HEADERS.receivedAt]: SAMPLE_RECEIVED_AT,
        [RAW_HEADERS.contentType]: 'application/json',
        ...(webhook.urlEventType === undefined
          ? {}
          : { [RAW_HEADERS.urlEventType]: webhook.urlEventType }),
      },
    };
    const output = transform(raw, config);
    return output.kind === 'domain' ? [{ from: webhook.from, record: output }] : [];
  });
}

/** The first sample of each canonical event type. */
export function samplesByType(
  samples: readonly Sample[] = fixtureSamples(),
): ReadonlyMap<CanonicalEventType, Sample> {
  const byType = new Map<CanonicalEventType, Sample>();
  for (const sample of samples) {
    if (!byType.has(sample.record.event.type)) byType.set(sample.record.event.type, sample);
  }
  return byType;
}

/**
 * The domain of each entity (`order` → `orders`), as the samples show it: an
 * entity's events all go to one domain.
 *
 * @throws {Error} when an entity's samples name two domains.
 */
export function entityDomains(samples: readonly Sample[]): ReadonlyMap<string, Domain> {
  const domains = new Map<string, Domain>();
  for (const { record } of samples) {
    const entity = record.event.type.slice(0, record.event.type.indexOf('.'));
    const known = domains.get(entity);
    if (known !== undefined && known !== record.domain) {
      throw new Error(`${entity} events go to ${known} and ${record.domain}`);
    }
    domains.set(entity, record.domain);
  }
  return domains;
}
