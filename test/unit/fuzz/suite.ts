/**
 * The fuzz run of the pure pipeline for one provider: 100,000 hostile inputs
 * (mutated real messages, wrong-typed copies, flipped bytes, generated
 * messages, odd headers; see test/support/fuzz.ts), each checked on its own
 * and the built-in prototypes compared with a snapshot after every batch.
 * Each run starts from a new seed, printed first; every batch's seed derives
 * from it. A failure names the batch, its seed and the plan fast-check shrank
 * it to, and WHARF_FUZZ_SEED=<seed> runs the same inputs again.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Source } from '../../../src/providers/index.ts';
import { transform } from '../../../src/worker/pipeline.ts';
import type { RawRecord } from '../../../src/worker/pipeline.ts';
import {
  FUZZ_REPLAY,
  FUZZ_SEED,
  Outcomes,
  buildBytes,
  buildGenerated,
  buildRetyped,
  buildStructured,
  bytePlans,
  checkNoEnumerablePollution,
  checkOutput,
  corpus,
  generatedPlans,
  prototypeChanges,
  prototypeSnapshot,
  retypedPlans,
  seedFor,
  structuredPlans,
} from '../../support/fuzz.ts';
import type { Corpus } from '../../support/fuzz.ts';
import { pipelineDefaults } from '../../support/pipeline.ts';

/**
 * `npm test` runs a fifth of the inputs (20,000 per provider, the first
 * batches a full run with the same seed runs); `npm run test:full`
 * (WHARF_TEST_FULL=1) runs all 100,000. The full run takes about a minute of CPU for the three
 * providers, too long for every CI run on two cores.
 */
const SHARE = process.env.WHARF_TEST_FULL === '1' ? 1 : 0.2;
/** Inputs per fast-check run; the prototypes are compared after each. */
const BATCH = 4_000;
/** Generous: the machine is shared and the longest family takes seconds, not minutes. */
const TIMEOUT_MS = 600_000;

/** Registers the fuzz tests of one provider: 100,000 inputs over four families (full run). */
export function fuzzPipeline(source: Source): void {
  const config = pipelineDefaults();
  const data = corpus(source, config);

  function family<Plan>(
    name: string,
    runs: number,
    plans: (corpus: Corpus) => fc.Arbitrary<Plan>,
    build: (corpus: Corpus, plan: Plan) => RawRecord,
    expectRouted = true,
  ): void {
    const count = Math.round(runs * SHARE);
    it(
      `${name} (${count.toLocaleString('en-US')} inputs): never throws, one record on a configured topic, routed events encode, prototypes untouched`,
      () => {
        const arbitrary = plans(data);
        const outcomes = new Outcomes();
        const before = prototypeSnapshot();
        for (let done = 0, batch = 0; done < count; done += BATCH, batch++) {
          const seed = seedFor(`${source}/${name}/${String(batch)}`);
          const where = `batch ${String(batch)} (seed ${String(seed)}); ${FUZZ_REPLAY} replays this run`;
          try {
            fc.assert(
              fc.property(arbitrary, (plan) => {
                const raw = build(data, plan);
                const output = transform(raw, config);
                checkOutput(raw, output, config);
                checkNoEnumerablePollution();
                outcomes.add(output);
              }),
              { seed, numRuns: Math.min(BATCH, count - done) },
            );
          } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            throw new Error(`${source} ${name}, ${where}:\n${message}`, { cause: error });
          }
          expect(prototypeChanges(before), `prototypes after ${where}`).toEqual([]);
        }
        console.info(`${source} ${name}: ${outcomes.toString()}`);
        // The inputs get past parsing and detection into the provider's
        // validation and normalization, and (mutations of real messages) to a domain topic.
        const early = ['source', 'parse', 'detect'].map((stage) => outcomes.count(stage));
        expect(outcomes.total - early.reduce((sum, count) => sum + count, 0)).toBeGreaterThan(0);
        if (expectRouted) expect(outcomes.count('routed')).toBeGreaterThan(0);
      },
      TIMEOUT_MS,
    );
  }

  describe(`fuzzing transform with ${source} inputs`, () => {
    beforeAll(() => {
      console.info(`fuzz ${source}: seed ${String(FUZZ_SEED)} (${FUZZ_REPLAY} replays this run)`);
    });
    family('structured mutations of real messages', 40_000, structuredPlans, buildStructured);
    family('real messages with wrong types everywhere', 20_000, retypedPlans, buildRetyped);
    family('byte mutations and truncations of real messages', 30_000, bytePlans, buildBytes);
    family(
      'messages generated from the field names',
      10_000,
      generatedPlans,
      buildGenerated,
      false,
    );
  });
}
