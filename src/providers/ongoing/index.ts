/** Ongoing WMS order webhooks. */
import type { Provider } from '../provider.ts';
import { idString, isRecord } from '../provider.ts';

/** Ongoing WMS: HTTP Basic, a fixed token header, or nothing; no signing. */
export const ongoing: Provider = {
  name: 'ongoing',
  ingress: {
    authModes: ['none', 'basic', 'token'],
    defaultAuthMode: 'basic',
    forwardedHeaders: ['user-agent'],
    rawRecordKey(body) {
      if (!isRecord(body)) return undefined;
      const orderId = idString(body.orderId);
      if (orderId === undefined) return undefined;
      // Order ids are unique within one Ongoing instance (`system`).
      const system = idString(body.system);
      return system === undefined ? `order/${orderId}` : `${system}/order/${orderId}`;
    },
  },
};
