/**
 * One raw record to what is produced: the pure pipeline, then the Avro
 * encoding of a domain record. The worker encodes with the registry's codec,
 * `wharf transform` with the installed schemas; both take this one step, so
 * what transform shows is what the worker does.
 */
import type { Domain, DomainData, EventEnvelope } from '../canonical/model.ts';
import { deadLetter, transform } from './pipeline.ts';
import type { PipelineConfig, PipelineOutput, RawRecord } from './pipeline.ts';

/** Encodes a canonical event of a domain; throws when it does not fit the schema. */
export type Encoder = (
  domain: Domain,
  event: EventEnvelope<DomainData[Domain]>,
) => Promise<Buffer> | Buffer;

/** A domain record with its encoded value, or a dead letter. */
export type Encoded =
  | { kind: 'domain'; record: Extract<PipelineOutput, { kind: 'domain' }>; value: Buffer }
  | Extract<PipelineOutput, { kind: 'dead-letter' }>;

/**
 * Transforms a raw record and encodes its event; an event its schema
 * refuses is dead-lettered (stage `encode`, `NORMALIZATION_FAILED`), with
 * the encoder's reason.
 */
export async function transformAndEncode(
  raw: RawRecord,
  config: PipelineConfig,
  encode: Encoder,
): Promise<Encoded> {
  const output = transform(raw, config);
  if (output.kind === 'dead-letter') return output;
  try {
    return { kind: 'domain', record: output, value: await encode(output.domain, output.event) };
  } catch (error) {
    const message = error instanceof Error ? error.message : 'does not fit the canonical schema';
    return deadLetter(
      raw,
      config,
      { stage: 'encode', code: 'NORMALIZATION_FAILED', message, path: '' },
      output.event.providerEventType,
    );
  }
}
