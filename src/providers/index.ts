/**
 * The registry of provider plug-ins: the one list of providers, and the one
 * file outside a provider's folder that may import from inside it (a lint
 * rule holds everything else to it). Adding a provider is adding its value
 * here; the source names, the configuration and the generated Helm, compose
 * and docs tables follow from the list.
 */
import type { z } from 'zod';
import { easypost } from './easypost/index.ts';
import { happycolis } from './happycolis/index.ts';
import { ongoing } from './ongoing/index.ts';
import type { ProviderAdapter, ProviderPlugin, ProviderSettingValues } from './provider.ts';
import { shipwell } from './shipwell/index.ts';

export type { ProviderPlugin } from './provider.ts';

/** Every provider, in the order they are listed to people. */
export const PLUGINS = [
  ongoing,
  shipwell,
  happycolis,
  easypost,
] as const satisfies readonly ProviderPlugin[];

/** A provider's name, as it appears in URLs, topics and labels. */
export type Source = (typeof PLUGINS)[number]['name'];

/** The source names, in the list's order. */
export const SOURCES: readonly Source[] = PLUGINS.map((plugin) => plugin.name);

/** Every provider, by source name. */
export const PROVIDERS = Object.fromEntries(
  PLUGINS.map((plugin): [Source, ProviderPlugin] => [plugin.name, plugin]),
) as Readonly<Record<Source, ProviderPlugin>>;

/** Narrows a name (a URL segment, a header) to a source. */
export function isSource(name: unknown): name is Source {
  return typeof name === 'string' && (SOURCES as readonly string[]).includes(name);
}

/** Every provider's own settings, as one zod shape (for the configuration). */
export const PROVIDER_SETTINGS: z.ZodRawShape = Object.assign(
  {},
  ...PLUGINS.map((plugin) => plugin.settings),
) as z.ZodRawShape;

/** The values of each provider's own settings, as set. */
export type ProviderSettings = Readonly<Partial<Record<Source, ProviderSettingValues>>>;

/** A provider's own settings' values, picked out of the environment. */
export function providerSettingsOf(
  env: Readonly<Record<string, unknown>>,
): Record<Source, ProviderSettingValues> {
  const valueOf = (name: string) => {
    const value = env[name];
    // Set but empty is unset: the provider's default (a chart's '' value).
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  return Object.fromEntries(
    PLUGINS.map((plugin) => [
      plugin.name,
      Object.fromEntries(Object.keys(plugin.settings).map((name) => [name, valueOf(name)])),
    ]),
  ) as Record<Source, ProviderSettingValues>;
}

/** Each provider's detect, validate and normalize, configured (a provider not given: its defaults). */
export function providerAdapters(
  settings: ProviderSettings = {},
): Readonly<Record<Source, ProviderAdapter>> {
  return Object.fromEntries(
    PLUGINS.map((plugin) => [plugin.name, plugin.adapter(settings[plugin.name] ?? {})]),
  ) as Record<Source, ProviderAdapter>;
}

/** Checks that the list is fit to be one: names unique and usable in variables and URLs. */
export function registryProblems(plugins: readonly ProviderPlugin[] = PLUGINS): string[] {
  const names = plugins.map((plugin) => plugin.name);
  return [
    ...names
      .filter((name, index) => names.indexOf(name) !== index)
      .map((name) => `provider ${name} is listed twice`),
    ...names
      .filter((name) => !/^[a-z][a-z0-9]*$/.test(name))
      .map((name) => `provider name ${JSON.stringify(name)} is not lower-case letters and digits`),
  ];
}
