/** The provider plug-ins, by source name. */
import type { FulfillmentStatus } from '../canonical/fulfillment-status.ts';
import { happycolis } from './happycolis/index.ts';
import { normalizeHappycolis } from './happycolis/normalize.ts';
import { happycolisWorker } from './happycolis/worker.ts';
import { ongoing } from './ongoing/index.ts';
import { createOngoingNormalizer } from './ongoing/normalize.ts';
import { createOngoingWorker } from './ongoing/worker.ts';
import type { OngoingEventType } from './ongoing/worker.ts';
import type { Provider, ProviderAdapter, Source } from './provider.ts';
import { shipwell } from './shipwell/index.ts';
import { normalizeShipwell } from './shipwell/normalize.ts';
import { shipwellWorker } from './shipwell/worker.ts';

export type { Provider, Source } from './provider.ts';
export { SOURCES } from './provider.ts';

/** Every provider, by the source name used in URLs, topics and labels. */
export const PROVIDERS: Readonly<Record<Source, Provider>> = { ongoing, shipwell, happycolis };

/** What the providers' worker side may be configured with. */
export interface ProviderSettings {
  /** Ongoing status number → canonical status (warehouses rename and add statuses). */
  readonly ongoingStatuses: ReadonlyMap<number, FulfillmentStatus>;
  /** A warehouse's own Ongoing trigger names → the trigger they mean; none if absent. */
  readonly ongoingTriggerAliases?: Readonly<Record<string, OngoingEventType>>;
}

/** Each provider's detect, validate and normalize, configured. */
export function providerAdapters(
  settings: ProviderSettings,
): Readonly<Record<Source, ProviderAdapter>> {
  return {
    ongoing: {
      worker: createOngoingWorker(settings.ongoingTriggerAliases),
      normalize: createOngoingNormalizer(settings.ongoingStatuses),
    },
    shipwell: { worker: shipwellWorker, normalize: normalizeShipwell },
    happycolis: { worker: happycolisWorker, normalize: normalizeHappycolis },
  };
}
