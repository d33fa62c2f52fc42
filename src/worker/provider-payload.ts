/**
 * What of the provider's message a canonical event carries as
 * `providerPayload`: all of it (the default: nothing is lost), none of it,
 * or all of it with listed fields censored. The message may carry personal
 * data (names, addresses, e-mail, phone numbers) that a deployment must not
 * copy to every consumer of the domain topics.
 */
import redactor from '@pinojs/redact';

/** A source's choice (WHARF_<SOURCE>_PAYLOAD and WHARF_<SOURCE>_PAYLOAD_REDACT). */
export type PayloadPolicy =
  | { readonly mode: 'keep' }
  | { readonly mode: 'omit' }
  | { readonly mode: 'redact'; readonly paths: readonly string[] };

/** What replaces a redacted value. */
export const REDACTED = '[REDACTED]';

/** Writes the payload of a message: its text as received, and its parsed JSON. */
export type PayloadWriter = (text: string, value: unknown) => string | null;

const keep: PayloadWriter = (text) => text;
const omit: PayloadWriter = () => null;

/**
 * The writer of a policy. Redaction writes the message out again as JSON,
 * each listed path's value (`body.delivery_address.email`,
 * `body.lines[*].reference`, `body.*.phone` with `*` for any one key) replaced by
 * {@link REDACTED}; a path the message lacks is no error.
 *
 * @throws {Error} when a path is not a valid redaction path.
 */
export function payloadWriter(policy: PayloadPolicy): PayloadWriter {
  if (policy.mode === 'keep') return keep;
  if (policy.mode === 'omit') return omit;
  const redact = redactor({ paths: [...policy.paths], censor: REDACTED, strict: false });
  return (_text, value) => {
    const written = redact(value);
    return typeof written === 'string' ? written : JSON.stringify(written);
  };
}
