import { describe, expect, it } from 'vitest';
import {
  PLUGINS,
  PROVIDERS,
  SOURCES,
  isSource,
  providerAdapters,
  providerSettingsOf,
  registryProblems,
} from '../../../src/providers/index.ts';
import type { ProviderPlugin } from '../../../src/providers/index.ts';

describe('the provider registry', () => {
  it('lists each plug-in once under its name, and nothing is wrong with it', () => {
    expect(SOURCES).toEqual(PLUGINS.map((plugin) => plugin.name));
    for (const source of SOURCES) expect(PROVIDERS[source].name).toBe(source);
    expect(registryProblems()).toEqual([]);
  });

  it('names a plug-in listed twice and a name that is not lower-case letters and digits', () => {
    const [first] = PLUGINS;
    const odd: ProviderPlugin = { ...first, name: 'Odd-One' };
    expect(registryProblems([first, first, odd])).toEqual([
      `provider ${first.name} is listed twice`,
      'provider name "Odd-One" is not lower-case letters and digits',
    ]);
  });

  it('knows its sources only', () => {
    expect(SOURCES.every(isSource)).toBe(true);
    expect([isSource('nosuch'), isSource(undefined), isSource('__proto__')]).toEqual([
      false,
      false,
      false,
    ]);
  });

  it("gives each provider its own settings, a set but empty value counting as unset (a chart's '')", () => {
    const settings = providerSettingsOf({
      WHARF_ONGOING_STATUS_MAP: '',
      WHARF_UNRELATED: 'x',
    });
    expect(Object.keys(settings).sort()).toEqual([...SOURCES].sort());
    expect(settings.ongoing.WHARF_ONGOING_STATUS_MAP).toBeUndefined();
    expect(
      providerSettingsOf({ WHARF_ONGOING_STATUS_MAP: '{"450":"Sent"}' }).ongoing
        .WHARF_ONGOING_STATUS_MAP,
    ).toBe('{"450":"Sent"}');
  });

  it('builds an adapter for every provider, with or without settings', () => {
    expect(Object.keys(providerAdapters()).sort()).toEqual([...SOURCES].sort());
    expect(Object.keys(providerAdapters({ ongoing: {} })).sort()).toEqual([...SOURCES].sort());
  });
});
