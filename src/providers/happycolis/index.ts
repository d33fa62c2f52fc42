/** HappyColis webhook messages: `{header, body}`. */
import type { Provider } from '../provider.ts';
import { idString, isRecord } from '../provider.ts';

/** HappyColis signs every message: base64(HMAC-SHA256(clientSecret, raw body)). */
export const happycolis: Provider = {
  name: 'happycolis',
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
      const id = idString(message.body.id);
      if (typeof type !== 'string' || id === undefined) return undefined;
      // "delivery-order/shipped" is about the entity family "delivery-order".
      const family = type.split('/')[0] ?? type;
      return `${family}/${id}`;
    },
  },
};
