/**
 * An Apicurio Registry for one test file (src/broker/apicurio.ts): whether it
 * can run here, starting it before the file's tests and stopping it after,
 * and the end of its log beside a failing test.
 *
 * WHARF_TEST_APICURIO chooses: unset or `auto` runs the tests where a Java 21
 * and Maven (or the cached distribution) are, and skips them elsewhere,
 * saying why in the run's output; `required` fails instead of skipping (CI
 * that has Java 21); `off` skips them.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import {
  APICURIO_VERSION,
  apicurioAvailability,
  startApicurio,
} from '../../src/broker/apicurio.ts';
import type { ApicurioRegistry } from '../../src/broker/apicurio.ts';

/** Time for a first run: Maven fetches a 160 MB archive, and the JVM starts on a busy machine. */
const START_TIMEOUT_MS = 300_000;
const LOG_LINES = 40;

/** Whether the calling file's Apicurio tests run, and why not. */
export type ApicurioChoice = { run: true } | { run: false; reason: string };

/**
 * Decides from WHARF_TEST_APICURIO and this machine whether Apicurio tests
 * run; says so on stdout when they are skipped.
 *
 * @throws when WHARF_TEST_APICURIO is `required` and Apicurio cannot run here,
 *   or holds something else than auto, required or off.
 */
export async function apicurioChoice(
  env: NodeJS.ProcessEnv = process.env,
): Promise<ApicurioChoice> {
  const wanted = env.WHARF_TEST_APICURIO ?? 'auto';
  if (!['auto', 'required', 'off'].includes(wanted))
    throw new Error(`WHARF_TEST_APICURIO must be auto, required or off, not "${wanted}"`);
  if (wanted === 'off') return skipped('WHARF_TEST_APICURIO=off');
  const availability = await apicurioAvailability();
  if (availability.available) return { run: true };
  if (wanted === 'required')
    throw new Error(
      `WHARF_TEST_APICURIO=required, but Apicurio cannot run here: ${availability.reason}`,
    );
  return skipped(availability.reason);
}

function skipped(reason: string): ApicurioChoice {
  process.stdout.write(
    `\n[wharf-test] Apicurio Registry ${APICURIO_VERSION} tests skipped: ${reason}\n\n`,
  );
  return { run: false, reason };
}

/**
 * Starts Apicurio before the calling file's (or describe block's) tests and
 * stops it after; prints the end of its log when a test fails.
 *
 * @returns a holder whose `registry` is set once the hooks ran.
 */
export function apicurioForTests(): { readonly registry: ApicurioRegistry } {
  const holder = {} as { registry: ApicurioRegistry };
  beforeAll(async () => {
    holder.registry = await startApicurio({
      progress: (message) => {
        process.stdout.write(`[wharf-test] ${message}\n`);
      },
    });
  }, START_TIMEOUT_MS);
  afterEach(async ({ task }) => {
    if (task.result?.state !== 'fail' || !('registry' in holder)) return;
    const log = await holder.registry.logTail(LOG_LINES);
    process.stderr.write(
      `\n--- the last ${String(LOG_LINES)} lines of ${holder.registry.logFile} ---\n${log}\n`,
    );
  });
  afterAll(async () => {
    if ('registry' in holder) await holder.registry.stop();
  });
  return holder;
}
