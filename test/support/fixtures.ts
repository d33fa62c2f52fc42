/** The provider fixtures under test/fixtures/providers/. */
import { readFileSync } from 'node:fs';
import type { Source } from '../../src/providers/index.ts';

/** A JSON object, as fixtures are. */
export type Json = Record<string, unknown>;

/** A fixture file's text. */
export function fixtureText(source: Source, name: string): string {
  return readFileSync(new URL(`../fixtures/providers/${source}/${name}`, import.meta.url), 'utf8');
}

/** A fixture file, parsed. */
export function fixtureJson(source: Source, name: string): Json {
  return JSON.parse(fixtureText(source, name)) as Json;
}

/** A copy of a message without some of its fields. */
export function without(message: Json, ...keys: string[]): Json {
  return Object.fromEntries(Object.entries(message).filter(([key]) => !keys.includes(key)));
}
