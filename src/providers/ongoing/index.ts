/** Ongoing WMS order webhooks: the plug-in. */
import { checkedWith } from '../kit.ts';
import type { ProviderPlugin } from '../provider.ts';
import { idString, isRecord } from '../provider.ts';
import { createOngoingNormalizer } from './normalize.ts';
import { ongoingStatusTable } from './statuses.ts';
import { ONGOING_SCHEMAS, createOngoingWorker, ongoingTriggerAliasTable } from './worker.ts';

/** Ongoing WMS: HTTP Basic, a fixed token header, or nothing; no signing. */
export const ongoing = {
  name: 'ongoing' as const,
  title: 'Ongoing WMS',
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
  settings: {
    // Warehouses rename and add statuses: `410=PACKED,1000=CANCELLED` over the defaults.
    WHARF_ONGOING_STATUS_MAP: checkedWith(ongoingStatusTable),
    // A warehouse's own trigger names: `Kundorder plockad=order.picked`.
    WHARF_ONGOING_TRIGGER_ALIASES: checkedWith(ongoingTriggerAliasTable),
  },
  schemas: ONGOING_SCHEMAS,
  adapter: (settings) => ({
    worker: createOngoingWorker(ongoingTriggerAliasTable(settings.WHARF_ONGOING_TRIGGER_ALIASES)),
    normalize: createOngoingNormalizer(ongoingStatusTable(settings.WHARF_ONGOING_STATUS_MAP)),
  }),
} satisfies ProviderPlugin;
