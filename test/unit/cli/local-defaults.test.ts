import { describe, expect, it } from 'vitest';
import { localSecret, withLocalSecrets } from '../../../src/cli/local-defaults.ts';

describe('withLocalSecrets', () => {
  it('fills in the local credential of a source that has none', () => {
    const { env, defaulted } = withLocalSecrets({ WHARF_ONGOING_AUTH: 'basic' });
    expect(env.WHARF_ONGOING_SECRETS).toBe(`*=${localSecret('ongoing', 'basic')}`);
    expect(defaulted).toContain('ongoing');
  });

  it('leaves alone a source whose secrets are set, inline or as a file', () => {
    const { env, defaulted } = withLocalSecrets({
      WHARF_ONGOING_SECRETS: 'demo=user:password',
      WHARF_SHIPWELL_SECRETS_FILE: '/run/secrets/shipwell',
    });
    expect(env.WHARF_ONGOING_SECRETS).toBe('demo=user:password');
    expect(env.WHARF_SHIPWELL_SECRETS).toBeUndefined();
    expect(defaulted).not.toContain('ongoing');
    expect(defaulted).not.toContain('shipwell');
  });
});
