/**
 * Small helpers every provider plug-in may use (and none may copy): reading
 * text out of JSON, the failures detection and normalization answer with, and
 * checking a setting with the provider's own parser.
 */
import { z } from 'zod';
import type { DetectionFailure, NormalizationFailure } from './provider.ts';
import { idString } from './provider.ts';

/**
 * A setting read as its string (undefined when unset) and checked with a
 * parser the provider applies itself when it builds its adapter: a value the
 * parser throws on is refused with the parser's message.
 */
export function checkedWith(parse: (value: string | undefined) => unknown) {
  return z
    .string()
    .optional()
    .superRefine((value, context) => {
      try {
        parse(value);
      } catch (error) {
        context.addIssue({ code: 'custom', message: (error as Error).message });
      }
    });
}

/** A string or number as text; null for anything else and for blank strings. */
export function text(value: unknown): string | null {
  const id = idString(value);
  return id === undefined || id.trim() === '' ? null : id;
}

/** Why a valid message could not be normalized, at a field's path. */
export function normalizationFailure(path: string, message: string): NormalizationFailure {
  return { code: 'NORMALIZATION_FAILED', message, path };
}

/** A message's event type is none the provider knows: the reason, and the ones it knows. */
export function unknownEventType(
  path: string,
  reason: string,
  known: readonly string[],
): DetectionFailure {
  return { code: 'UNKNOWN_EVENT_TYPE', message: `${reason} (known: ${known.join(', ')})`, path };
}

/** A value for an error message, bounded: it comes from outside. */
export function describeValue(value: unknown): string {
  if (value === undefined) return '(missing)';
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  }
  if (value === null || typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  return Array.isArray(value) ? '(an array)' : '(an object)';
}
