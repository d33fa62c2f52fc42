/**
 * Small helpers every provider plug-in may use (and none may copy): reading
 * ids out of JSON, and checking a setting with the provider's own parser.
 */
import { z } from 'zod';

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
