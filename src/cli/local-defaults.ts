/**
 * Credentials for running Wharf on one machine without configuring anything.
 *
 * Only `wharf start` (the local run) fills them in for the ingress, and it
 * prints them; `wharf ingress` and `wharf worker` never do, so a deployment
 * that forgets its secrets fails at start-up instead of accepting a
 * published password. `wharf send` uses them when the variables are unset,
 * so that `npx wharf send <source>` works against `npm start` as it is.
 */
import { PROVIDERS, SOURCES } from '../providers/index.ts';
import type { Source } from '../providers/index.ts';
import type { AuthMode } from '../providers/provider.ts';
import { ANY_TENANT, sourceVariable } from '../config/config.ts';

/** An environment, as process.env is. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** The published local credential of a source for an authentication mode. */
export function localSecret(source: Source, mode: Exclude<AuthMode, 'none'>): string {
  switch (mode) {
    case 'basic':
      return `${source}:local-password`;
    case 'token':
      return `local-${source}-token`;
    case 'hmac':
      return `local-${source}-secret`;
  }
}

/** The authentication mode a source has in an environment (its provider's default when unset). */
export function authModeOf(env: Environment, source: Source): AuthMode {
  const configured = env[sourceVariable(source, 'AUTH')];
  return configured ? (configured as AuthMode) : PROVIDERS[source].ingress.defaultAuthMode;
}

/**
 * The environment with a local credential for every source that needs one
 * and has none (neither WHARF_<SOURCE>_SECRETS nor its `_FILE`), and the
 * sources that got one. An unknown mode is left for
 * the configuration to report.
 */
export function withLocalSecrets(env: Environment): {
  env: Record<string, string | undefined>;
  defaulted: Source[];
} {
  const result: Record<string, string | undefined> = { ...env };
  const defaulted: Source[] = [];
  for (const source of SOURCES) {
    const mode = authModeOf(env, source);
    const variable = sourceVariable(source, 'SECRETS');
    // Set inline or as a file's content (`_FILE`, see docs/security.md): configured either way.
    const configured = Boolean(env[variable] || env[`${variable}_FILE`]);
    if (configured || !PROVIDERS[source].ingress.authModes.includes(mode) || mode === 'none') {
      continue;
    }
    // Local and published, so bound to no one tenant: any may be tried out.
    result[variable] = `${ANY_TENANT}=${localSecret(source, mode)}`;
    defaulted.push(source);
  }
  return { env: result, defaulted };
}
