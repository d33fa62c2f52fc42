import { describe, expect, it } from 'vitest';
import { unreachableIngressHint } from '../../../src/cli/commands/send.ts';
import type { SendSummary } from '../../../src/cli/commands/send.ts';

function summary(errorMessages: readonly string[]): SendSummary {
  return {
    url: 'http://localhost:8080/webhooks/ongoing',
    sent: 1,
    ok: 0,
    statuses: {},
    reasons: {},
    errors: errorMessages.length,
    errorMessages,
    latencyMs: { p50: null, p99: null, max: null },
    durationMs: 3,
  };
}

describe('unreachableIngressHint', () => {
  it('says that the ingress must be running, how to start it, and --url, when nothing listens', () => {
    const hint = unreachableIngressHint(
      summary(['connect ECONNREFUSED 127.0.0.1:8080']),
      'http://localhost:8080',
    );
    expect(hint).toContain('http://localhost:8080');
    expect(hint).toMatch(/npm start/);
    expect(hint).toMatch(/wharf ingress/);
    expect(hint).toMatch(/--url/);
    expect(hint).not.toContain('\n');
  });

  it('says nothing when the ingress answered or was only slow', () => {
    expect(unreachableIngressHint(summary([]), 'http://localhost:8080')).toBeUndefined();
    expect(
      unreachableIngressHint(summary(['no answer in time (--timeout)']), 'http://localhost:8080'),
    ).toBeUndefined();
  });
});
