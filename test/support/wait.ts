/** Waiting on a condition with a timeout, never on a fixed sleep (no vitest here: benchmarks use it too). */

/**
 * Polls `probe` until it returns a value other than undefined, or fails after
 * `timeoutMs` with the description of what was awaited.
 */
export async function waitFor<T>(
  description: string,
  probe: () => T | undefined | Promise<T | undefined>,
  { timeoutMs = 10_000, intervalMs = 25 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${String(timeoutMs)} ms waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
