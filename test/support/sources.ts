/** Environments that configure every provider the registry lists. */
import { withLocalSecrets } from '../../src/cli/local-defaults.ts';

/**
 * An environment with a credential for every source it configures none
 * for: the local run's published one (src/cli/local-defaults.ts), so a
 * provider added to the registry runs in every test without a test naming it.
 */
export function withEverySourceSecret(env: Record<string, string>): Record<string, string> {
  const filled = withLocalSecrets(env).env;
  return Object.fromEntries(
    Object.entries(filled).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}
