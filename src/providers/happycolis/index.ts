/** HappyColis webhook messages (`{header, body}`): the plug-in. */
import type { ProviderPlugin } from '../provider.ts';
import { idString, isRecord } from '../provider.ts';
import { normalizeHappycolis } from './normalize.ts';
import { HAPPYCOLIS_SCHEMAS, happycolisWorker } from './detect-and-validate.ts';

/** HappyColis signs every message: base64(HMAC-SHA256(clientSecret, raw body)). */
export const happycolis = {
  name: 'happycolis' as const,
  title: 'HappyColis',
  tenant: 'the HappyColis organization id',
  example: new URL('example.json', import.meta.url),
  ingress: {
    authModes: ['hmac', 'token', 'none'],
    defaultAuthMode: 'hmac',
    signature: {
      header: 'x-happycolis-webhook-signature',
      algorithm: 'sha256',
      encoding: 'base64',
    },
    forwardedHeaders: ['x-happycolis-webhook-signature', 'user-agent'],
    rawRecordKey(message) {
      if (!isRecord(message) || !isRecord(message.header) || !isRecord(message.body)) {
        return undefined;
      }
      const type = message.header.type;
      if (typeof type !== 'string') return undefined;
      // A movement is about its stock reference, like the other stock events.
      const entity =
        type.trim() === 'stock-reference/movement' && isRecord(message.body.stock_reference)
          ? message.body.stock_reference
          : message.body;
      const id = idString(entity.id);
      if (id === undefined) return undefined;
      // "delivery-order/shipped" is about the entity family "delivery-order".
      const family = type.trim().split('/')[0] ?? type;
      return `${family}/${id}`;
    },
  },
  settings: {},
  schemas: HAPPYCOLIS_SCHEMAS,
  adapter: () => ({ worker: happycolisWorker, normalize: normalizeHappycolis }),
} satisfies ProviderPlugin;
