/** EasyPost tracker webhooks: the plug-in. */
import type { ProviderPlugin } from '../provider.ts';
import { EASYPOST_SCHEMAS, easypostWorker } from './detect-and-validate.ts';
import { normalizeEasypost } from './normalize.ts';
import { parcelKey, trackedParcel } from './tracker.ts';

/**
 * EasyPost signs every Event when its webhook has a secret:
 * `X-Hmac-Signature: hmac-sha256-hex=<lowercase hex HMAC-SHA256 of the raw
 * body>`, keyed with the secret normalized to Unicode NFKD. The shared
 * scheme below states the header, hash and encoding; the `hmac-sha256-hex=`
 * prefix and the NFKD key are not expressible in it yet, so `hmac` mode
 * needs the ingress to learn both (docs/providers/easypost-research.md §4).
 * HTTP Basic (credentials in the webhook URL) works as is.
 */
export const easypost = {
  name: 'easypost' as const,
  title: 'EasyPost',
  tenant:
    'a name you choose for the EasyPost account, stamped on its events (its `user_id` stays in the payload)',
  example: new URL('example.json', import.meta.url),
  ingress: {
    authModes: ['hmac', 'basic', 'none'],
    defaultAuthMode: 'hmac',
    // `X-Hmac-Signature: hmac-sha256-hex=<hex>`, keyed with the NFKD form of
    // the secret, as EasyPost's client libraries verify it.
    signature: {
      header: 'x-hmac-signature',
      algorithm: 'sha256',
      encoding: 'hex',
      prefix: 'hmac-sha256-hex=',
      secretNormalization: 'NFKD',
    },
    forwardedHeaders: ['user-agent', 'x-hmac-signature'],
    rawRecordKey(body) {
      // By parcel, not by Event: a parcel's events share a partition, in order.
      const parcel = trackedParcel(body);
      return 'missing' in parcel ? undefined : parcelKey(parcel);
    },
  },
  settings: {},
  schemas: EASYPOST_SCHEMAS,
  adapter: () => ({ worker: easypostWorker, normalize: normalizeEasypost }),
} satisfies ProviderPlugin;
