import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../../src/ingress/auth.ts';
import type { AuthFailure, Grant } from '../../../src/ingress/auth.ts';
import type { SignatureScheme } from '../../../src/providers/provider.ts';

const scheme: SignatureScheme = { header: 'x-signature', algorithm: 'sha256', encoding: 'base64' };
const basicHeader = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;
/** Secrets bound to no one tenant. */
const anyTenant = (...secrets: string[]) => secrets.map((secret) => ({ tenant: null, secret }));
/** What a verdict says: the failure's code, or the granted tenant. */
const outcome = (verdict: AuthFailure | Grant) =>
  'code' in verdict ? verdict.code : { tenant: verdict.tenant };

describe('basic authentication', () => {
  const auth = createAuthenticator({
    mode: 'basic',
    credentials: anyTenant('old:one', 'new:two'),
  });

  it('accepts any configured credential, so secrets can be rotated', () => {
    expect(auth.verifyHeaders({ authorization: basicHeader('old:one') })).toBeUndefined();
    expect(auth.verifyHeaders({ authorization: basicHeader('new:two') })).toBeUndefined();
    expect(auth.needsBody).toBe(false);
  });

  it.each([
    [{}, 'AUTH_MISSING'],
    [{ authorization: 'Bearer abc' }, 'AUTH_MISSING'],
    [{ authorization: basicHeader('old:two') }, 'AUTH_INVALID'],
    [{ authorization: basicHeader('old:one ') }, 'AUTH_INVALID'],
    [{ authorization: basicHeader('') }, 'AUTH_MISSING'],
    // 'new:two' is bmV3OnR3bw== : unpadded, or with garbage after it, it is not the credential.
    [{ authorization: 'Basic bmV3OnR3bw' }, 'AUTH_INVALID'],
    [{ authorization: 'Basic bmV3OnR3bw==AA' }, 'AUTH_INVALID'],
  ])('refuses %j with %s', (headers, code) => {
    expect(auth.verifyHeaders(headers)?.code).toBe(code);
  });

  it('never repeats what was sent or configured', () => {
    const failure = auth.verifyHeaders({ authorization: basicHeader('old:guess') });
    expect(JSON.stringify(failure)).not.toMatch(/old|one|two|guess/);
  });
});

describe('token authentication', () => {
  const auth = createAuthenticator({
    mode: 'token',
    header: 'x-token',
    tokens: anyTenant('t1', 't2'),
  });
  it('checks the configured header against every token', () => {
    expect(auth.verifyHeaders({ 'x-token': 't2' })).toBeUndefined();
    expect(auth.verifyHeaders({ 'x-token': 't3' })?.code).toBe('AUTH_INVALID');
    expect(auth.verifyHeaders({ authorization: 't1' })?.code).toBe('AUTH_MISSING');
  });
});

describe('hmac signature', () => {
  const auth = createAuthenticator({ mode: 'hmac', secrets: anyTenant('s-old', 's-new') }, scheme);
  const body = Buffer.from('{"header":{"type":"order/created"},"body":{}}');
  const sign = (bytes: Buffer, secret: string) =>
    createHmac('sha256', secret).update(bytes).digest('base64');

  it('verifies the raw bytes with any configured secret', () => {
    expect(auth.needsBody).toBe(true);
    for (const secret of ['s-old', 's-new']) {
      const headers = { 'x-signature': sign(body, secret) };
      expect(auth.verifyHeaders(headers)).toBeUndefined();
      expect(outcome(auth.verifyBody(headers, body))).toEqual({ tenant: null });
    }
  });

  it('refuses a missing header before the body is read', () => {
    expect(auth.verifyHeaders({})?.code).toBe('AUTH_MISSING');
  });

  it.each([
    ['another secret', sign(body, 's-other'), body],
    ['a changed body', sign(body, 's-new'), Buffer.concat([body, Buffer.from(' ')])],
    ['a truncated signature', sign(body, 's-new').slice(0, 20), body],
    ['garbage', '!!!not base64!!!', body],
  ])('refuses %s', (_name, signature, sentBody) => {
    expect(outcome(auth.verifyBody({ 'x-signature': signature }, sentBody))).toBe(
      'SIGNATURE_INVALID',
    );
  });

  // Only the canonical text of the digest is accepted: Node's decoder would
  // also take these, each of which must not pass as the same signature.
  const good = sign(body, 's-new');
  it.each([
    ['URL-safe base64', good.replace(/\+/g, '-').replace(/\//g, '_'), /[+/]/.test(good)],
    ['base64 without its padding', good.replace(/=+$/, ''), good.endsWith('=')],
    ['base64 split by a space', `${good.slice(0, 10)} ${good.slice(10)}`, true],
    ['base64 with trailing garbage', `${good}!!`, true],
    ['base64 with a trailing newline', `${good}\n`, true],
  ])('refuses %s', (_name, signature, applies) => {
    if (!applies) return;
    expect(outcome(auth.verifyBody({ 'x-signature': signature }, body))).toBe('SIGNATURE_INVALID');
  });

  it('needs a signature scheme', () => {
    expect(() => createAuthenticator({ mode: 'hmac', secrets: anyTenant('s') })).toThrow(
      /signature scheme/,
    );
  });
});

describe('no authentication', () => {
  it('passes everything, and only when configured so', () => {
    const auth = createAuthenticator({ mode: 'none' });
    expect(auth.verifyHeaders({})).toBeUndefined();
    expect(outcome(auth.verifyBody({}, Buffer.from('x')))).toEqual({ tenant: null });
  });
});

describe('tenant binding', () => {
  const bound = [
    { tenant: 'org-a', secret: 'secret-of-org-a' },
    { tenant: 'org-b', secret: 'secret-of-org-b' },
    { tenant: null, secret: 'secret-of-anyone' },
  ];
  const body = Buffer.from('{"header":{"type":"order/created","organization":"org-b"}}');

  it('grants the tenant of the signing secret, whatever the body claims', () => {
    const auth = createAuthenticator({ mode: 'hmac', secrets: bound }, scheme);
    const signed = (secret: string) => ({
      'x-signature': createHmac('sha256', secret).update(body).digest('base64'),
    });
    expect(outcome(auth.verifyBody(signed('secret-of-org-a'), body))).toEqual({ tenant: 'org-a' });
    expect(outcome(auth.verifyBody(signed('secret-of-org-b'), body))).toEqual({ tenant: 'org-b' });
    expect(outcome(auth.verifyBody(signed('secret-of-anyone'), body))).toEqual({ tenant: null });
  });

  it('grants the tenant of the Basic credential or token sent', () => {
    const basic = createAuthenticator({
      mode: 'basic',
      credentials: bound.map(({ tenant, secret }) => ({ tenant, secret: `user:${secret}` })),
    });
    expect(
      outcome(basic.verifyBody({ authorization: basicHeader('user:secret-of-org-b') }, body)),
    ).toEqual({ tenant: 'org-b' });
    const token = createAuthenticator({ mode: 'token', header: 'x-token', tokens: bound });
    expect(outcome(token.verifyBody({ 'x-token': 'secret-of-org-a' }, body))).toEqual({
      tenant: 'org-a',
    });
    expect(outcome(token.verifyBody({ 'x-token': 'secret-of-org-c' }, body))).toBe('AUTH_INVALID');
  });
});
