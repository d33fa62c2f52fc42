/** Ongoing WMS order webhooks: the plug-in. */
import { checkedWith } from '../kit.ts';
import type { ProviderPlugin } from '../provider.ts';
import { idString, isRecord } from '../provider.ts';
import { createOngoingNormalizer } from './normalize.ts';
import { ongoingStatusTable } from './statuses.ts';
import {
  ONGOING_SCHEMAS,
  createOngoingWorker,
  ongoingTriggerAliasTable,
} from './detect-and-validate.ts';

/** Ongoing WMS: HTTP Basic, a fixed token header, or nothing; no signing. */
export const ongoing = {
  name: 'ongoing' as const,
  title: 'Ongoing WMS',
  tenant: "the Ongoing WMS instance (the webhook's `system`)",
  example: new URL('example.json', import.meta.url),
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
    WHARF_ONGOING_STATUS_MAP: checkedWith(ongoingStatusTable).describe(
      '`number=STATUS` pairs over the standard status table (warehouses rename and add statuses), e.g. `410=PACKED,1000=CANCELLED`; unset for the standard table.',
    ),
    WHARF_ONGOING_TRIGGER_ALIASES: checkedWith(ongoingTriggerAliasTable).describe(
      "A warehouse's own trigger names, `name=trigger` pairs, e.g. `Kundorder plockad=order.picked`; the trigger is order.created, order.status_changed or order.picked. Names compare by letters and digits, ignoring case.",
    ),
  },
  schemas: ONGOING_SCHEMAS,
  adapter: (settings) => ({
    worker: createOngoingWorker(ongoingTriggerAliasTable(settings.WHARF_ONGOING_TRIGGER_ALIASES)),
    normalize: createOngoingNormalizer(ongoingStatusTable(settings.WHARF_ONGOING_STATUS_MAP)),
  }),
} satisfies ProviderPlugin;
