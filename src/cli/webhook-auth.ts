/**
 * The client side of src/ingress/auth.ts: the headers a provider would send
 * to prove a webhook is its own, made from the same configuration the
 * ingress checks them with. With several secrets configured (a rotation),
 * the first is used.
 */
import type { SourceAuth } from '../config/config.ts';
import { signatureHeaderValue } from '../ingress/signature.ts';
import type { SignatureScheme } from '../providers/provider.ts';

/** The secret a client sends: the first configured (the newest, in a rotation); '' for none. */
export function firstSecret(auth: SourceAuth): string {
  switch (auth.mode) {
    case 'none':
      return '';
    case 'basic':
      return auth.credentials[0]?.secret ?? '';
    case 'token':
      return auth.tokens[0]?.secret ?? '';
    case 'hmac':
      return auth.secrets[0]?.secret ?? '';
  }
}

/**
 * Request headers that authenticate `body` for a source.
 *
 * @throws {Error} for `hmac` when the provider has no signature scheme.
 */
export function authHeaders(
  auth: SourceAuth,
  signature: SignatureScheme | undefined,
  body: Buffer,
): Record<string, string> {
  switch (auth.mode) {
    case 'none':
      return {};
    case 'basic':
      return {
        authorization: `Basic ${Buffer.from(firstSecret(auth)).toString('base64')}`,
      };
    case 'token':
      return { [auth.header]: firstSecret(auth) };
    case 'hmac': {
      if (!signature) throw new Error('hmac authentication needs a provider signature scheme');
      return { [signature.header]: signatureHeaderValue(signature, firstSecret(auth), body) };
    }
  }
}
