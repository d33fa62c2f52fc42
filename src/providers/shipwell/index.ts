/** Shipwell order events: the plug-in. */
import type { ProviderPlugin } from '../provider.ts';
import { idString, isRecord } from '../provider.ts';
import { normalizeShipwell } from './normalize.ts';
import { SHIPWELL_SCHEMAS, shipwellEnvelope, shipwellWorker } from './detect-and-validate.ts';

/** Shipwell: HTTP Basic (optional username/password on the webhook). */
export const shipwell = {
  name: 'shipwell' as const,
  title: 'Shipwell',
  tenant:
    'a name you choose for the Shipwell account (its bodies name no tenant), stamped on its events',
  example: new URL('example.json', import.meta.url),
  ingress: {
    authModes: ['none', 'basic', 'token'],
    defaultAuthMode: 'basic',
    // x-shipwell-event, when a deployment's proxy or Shipwell sets it, names the event.
    forwardedHeaders: ['user-agent', 'x-shipwell-event'],
    rawRecordKey(message) {
      // An enveloped delivery is keyed by the resource inside, as a bare one.
      const body = shipwellEnvelope(message)?.resource ?? message;
      if (!isRecord(body)) return undefined;
      // Item events carry their order's id: key by order so an order and its
      // items stay in one partition, in order.
      const orderId =
        body.resource_type === 'order_item' ? idString(body.order_id) : idString(body.id);
      return orderId === undefined ? undefined : `order/${orderId}`;
    },
  },
  settings: {},
  schemas: SHIPWELL_SCHEMAS,
  adapter: () => ({ worker: shipwellWorker, normalize: normalizeShipwell }),
} satisfies ProviderPlugin;
