/** The provider plug-ins, by source name. */
import { happycolis } from './happycolis/index.ts';
import { ongoing } from './ongoing/index.ts';
import type { Provider, Source } from './provider.ts';
import { shipwell } from './shipwell/index.ts';

export type { Provider, Source } from './provider.ts';
export { SOURCES } from './provider.ts';

/** Every provider, by the source name used in URLs, topics and labels. */
export const PROVIDERS: Readonly<Record<Source, Provider>> = { ongoing, shipwell, happycolis };
