import { describe, expect, it } from 'vitest';
import { groupLines, recordLine } from '../../../src/cli/commands/dlq.ts';
import { printable, printableJson } from '../../../src/cli/printable.ts';
import { groupDeadLetters } from '../../../src/ops/dead-letters.ts';
import type { DeadLetter } from '../../../src/ops/dead-letters.ts';

/** Any C0 control, DEL or C1 control, raw. */
// eslint-disable-next-line no-control-regex -- looking for control characters is the point
const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Sets the window title, clears the screen, and a C1 CSI that moves the cursor. */
const HOSTILE = 'order \u001b]0;pwned\u0007\u001b[2J\u009b5Adone\r\n';

describe('text from Kafka on a terminal', () => {
  it('shows every control character as an escape, and leaves the rest', () => {
    expect(printable(HOSTILE)).toBe(
      'order \\u001b]0;pwned\\u0007\\u001b[2J\\u009b5Adone\\u000d\\u000a',
    );
    expect(printable('Kundorder plockad ✓ — 5 €')).toBe('Kundorder plockad ✓ — 5 €');
  });

  it('writes JSON without raw C1 characters, and gives up on JSON nested too deeply', () => {
    const json = printableJson({ subject: HOSTILE }) ?? '';
    expect(json).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(json)).toEqual({ subject: HOSTILE });
    let deep: unknown = [];
    for (let depth = 0; depth < 200_000; depth++) deep = [deep];
    expect(printableJson(deep)).toBeUndefined();
  });

  it('keeps a dead letter’s message and path from reaching the terminal raw (dlq list)', () => {
    const record: DeadLetter = {
      partition: 0,
      offset: '7',
      timestamp: 0,
      key: null,
      value: null,
      headers: {},
      source: 'happycolis',
      stage: 'validate',
      code: 'SCHEMA_VALIDATION_FAILED',
      message: HOSTILE,
      path: `body.${HOSTILE}`,
      originalTopic: undefined,
      originalPartition: undefined,
      originalOffset: undefined,
      receivedAt: undefined,
      redriveCount: 0,
    };
    expect(recordLine(record)).not.toMatch(RAW_CONTROL);
    for (const line of groupDeadLetters([record]).flatMap(groupLines))
      expect(line).not.toMatch(RAW_CONTROL);
  });
});
