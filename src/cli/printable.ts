/**
 * Text from Kafka (a dead letter's message, an event's subject, a record's
 * body) is written by whoever can write a topic: shown on a terminal, its
 * control characters could move the cursor, rewrite lines or set the window
 * title. They are shown as `\u001b`-style escapes instead.
 */

// C0 controls, DEL and the C1 controls (U+009B is a one-character CSI).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** `text` with every control character written as a `\uXXXX` escape. */
export function printable(text: string): string {
  return text.replace(
    CONTROL,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * JSON of `value` safe for a terminal (JSON.stringify leaves C1 characters
 * as they are), or undefined when it nests too deeply to be written.
 */
export function printableJson(value: unknown): string | undefined {
  try {
    return printable(JSON.stringify(value));
  } catch {
    return undefined;
  }
}
