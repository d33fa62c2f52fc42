import { SOURCES } from '../../../src/providers/index.ts';
import type { Source } from '../../../src/providers/index.ts';
import { describe, expect, it } from 'vitest';
import { describeRecord, recordLine } from '../../../src/cli/commands/dlq.ts';
import type { DeadLetter } from '../../../src/ops/dead-letters.ts';
import {
  groupDeadLetters,
  inDeadLetterOrder,
  isSelected,
  parseOffsetSelection,
} from '../../../src/ops/dead-letters.ts';
import { planRedrive } from '../../../src/ops/redrive.ts';
import { parseTimeBound } from '../../../src/ops/time-range.ts';

function deadLetter(overrides: Partial<DeadLetter> = {}): DeadLetter {
  return {
    partition: 0,
    offset: '0',
    timestamp: Date.parse('2025-03-01T12:00:00Z'),
    key: Buffer.from('wh1/order/1'),
    value: Buffer.from('{}'),
    headers: {
      'wharf-source': Buffer.from('ongoing'),
      'wharf-request-id': Buffer.from('req-1'),
      'wharf-error-code': Buffer.from('UNKNOWN_EVENT_TYPE'),
      'wharf-error-stage': Buffer.from('detect'),
      'wharf-original-topic': Buffer.from('webhooks.raw.ongoing'),
    },
    source: 'ongoing',
    stage: 'detect',
    code: 'UNKNOWN_EVENT_TYPE',
    message: 'unknown',
    path: 'webhookTemplate',
    originalTopic: 'webhooks.raw.ongoing',
    originalPartition: '1',
    originalOffset: '7',
    receivedAt: '2025-03-01T11:59:59.000Z',
    redriveCount: 0,
    ...overrides,
  };
}

const RAW_TOPICS = Object.fromEntries(SOURCES.map((source) => [source, `raw.${source}`])) as Record<
  Source,
  string
>;

describe('parseOffsetSelection', () => {
  it('reads single offsets, closed and open ranges', () => {
    expect(parseOffsetSelection('2:17, 0:3-5,1:9-')).toEqual([
      { partition: 2, from: 17n, to: 17n },
      { partition: 0, from: 3n, to: 5n },
      { partition: 1, from: 9n, to: undefined },
    ]);
  });

  it.each(['', '2', '2:x', '-1:3', '2:5-3', '2:3:4'])('refuses %j', (text) => {
    expect(() => parseOffsetSelection(text)).toThrow(/--offsets/);
  });
});

describe('isSelected', () => {
  const record = deadLetter({ partition: 1, offset: '10' });
  it('lets everything through an empty selection', () => {
    expect(isSelected(record, {})).toBe(true);
  });
  it('applies every criterion', () => {
    expect(isSelected(record, { codes: new Set(['INVALID_JSON']) })).toBe(false);
    expect(isSelected(record, { sources: new Set(['shipwell']) })).toBe(false);
    expect(isSelected(record, { since: record.timestamp })).toBe(true);
    expect(isSelected(record, { since: record.timestamp + 1 })).toBe(false);
    expect(isSelected(record, { until: record.timestamp })).toBe(false);
    expect(isSelected(record, { offsets: parseOffsetSelection('1:5-10') })).toBe(true);
    expect(isSelected(record, { offsets: parseOffsetSelection('1:11-,0:10') })).toBe(false);
  });
});

describe('groupDeadLetters', () => {
  it('groups by code and source with counts, first and last times and the latest example', () => {
    const records = [
      deadLetter({ offset: '1', timestamp: 3000, message: 'latest' }),
      deadLetter({ offset: '0', timestamp: 1000, message: 'first' }),
      deadLetter({ offset: '2', code: 'INVALID_JSON', stage: 'parse', source: undefined }),
    ];
    expect(groupDeadLetters(records)).toEqual([
      {
        code: 'UNKNOWN_EVENT_TYPE',
        source: 'ongoing',
        count: 2,
        firstTime: new Date(1000).toISOString(),
        lastTime: new Date(3000).toISOString(),
        stages: ['detect'],
        example: {
          partition: 0,
          offset: '1',
          stage: 'detect',
          message: 'latest',
          path: 'webhookTemplate',
        },
      },
      expect.objectContaining({ code: 'INVALID_JSON', source: null, count: 1 }),
    ]);
  });

  it('orders records by time, then position', () => {
    const order = inDeadLetterOrder([
      deadLetter({ partition: 1, offset: '10', timestamp: 5 }),
      deadLetter({ partition: 0, offset: '9', timestamp: 5 }),
      deadLetter({ partition: 0, offset: '2', timestamp: 5 }),
      deadLetter({ partition: 2, offset: '0', timestamp: 1 }),
    ]).map((record) => `${String(record.partition)}:${record.offset}`);
    expect(order).toEqual(['2:0', '0:2', '0:9', '1:10']);
  });
});

describe('planRedrive', () => {
  it('sends to the original topic with the raw headers and the redrive headers', () => {
    const plan = planRedrive(
      deadLetter({ partition: 2, offset: '17', redriveCount: 1 }),
      'webhooks.dlq',
      RAW_TOPICS,
      '2025-03-02T00:00:00.000Z',
    );
    expect(plan).toMatchObject({ kind: 'send', topic: 'webhooks.raw.ongoing' });
    if (plan.kind !== 'send') return;
    const headers = Object.fromEntries(
      Object.entries(plan.message.headers ?? {}).map(([name, value]) => [name, String(value)]),
    );
    expect(headers).toEqual({
      'wharf-source': 'ongoing',
      'wharf-request-id': 'req-1',
      'wharf-redriven-from': 'webhooks.dlq/2/17',
      'wharf-redriven-at': '2025-03-02T00:00:00.000Z',
      'wharf-redrive-count': '2',
    });
    expect(plan.message.key?.toString()).toBe('wh1/order/1');
  });

  it("falls back to the source's raw topic, and skips a record with neither", () => {
    expect(
      planRedrive(
        deadLetter({ originalTopic: undefined, source: 'shipwell' }),
        'd',
        RAW_TOPICS,
        '',
      ),
    ).toMatchObject({ kind: 'send', topic: 'raw.shipwell' });
    expect(
      planRedrive(deadLetter({ originalTopic: undefined, source: undefined }), 'd', RAW_TOPICS, ''),
    ).toMatchObject({
      kind: 'skip',
      reason: expect.stringMatching(/no original topic/) as unknown,
    });
  });
});

describe('parseTimeBound', () => {
  const now = Date.parse('2025-03-01T12:00:00Z');
  it.each([
    ['2h', '2025-03-01T10:00:00.000Z'],
    ['90s', '2025-03-01T11:58:30.000Z'],
    ['7d', '2025-02-22T12:00:00.000Z'],
    ['PT30M', '2025-03-01T11:30:00.000Z'],
    ['2025-02-01', '2025-02-01T00:00:00.000Z'],
    ['2025-02-01T08:00:00+01:00', '2025-02-01T07:00:00.000Z'],
  ])('reads %s', (text, expected) => {
    expect(new Date(parseTimeBound('--since', text, now)).toISOString()).toBe(expected);
  });
  it.each(['yesterday', '2025-02-30', '5 parsecs', ''])('refuses %j', (text) => {
    expect(() => parseTimeBound('--since', text, now)).toThrow(
      /--since .*expected an ISO 8601 time/,
    );
  });
});

describe('a dead letter listed record by record', () => {
  const pretty = deadLetter({
    key: Buffer.from('wh1/order/7'),
    value: Buffer.from('{\n  "orderId": 7,\n  "note": "\u001b[2J"\n}'),
  });

  it('is one line with its key and its body, newlines and control characters escaped', () => {
    const line = recordLine(pretty);
    for (const raw of ['\n', '\r', '\u001b']) expect(line).not.toContain(raw);
    expect(line).toContain('key=wh1/order/7');
    expect(line).toContain('body="{\\n  \\"orderId\\": 7,');
  });

  it('shows the start of a long body and how long it is', () => {
    const line = recordLine(deadLetter({ value: Buffer.from('x'.repeat(5_000)) }));
    expect(line.length).toBeLessThan(600);
    expect(line).toMatch(/… \(5000 bytes\)$/);
  });

  it('says when there is no key or no body', () => {
    expect(recordLine(deadLetter({ key: null, value: null }))).toMatch(/key=- {2}body=-$/);
  });

  it('carries its key and body as data', () => {
    expect(describeRecord(pretty)).toMatchObject({
      key: 'wh1/order/7',
      value: '{\n  "orderId": 7,\n  "note": "\u001b[2J"\n}',
    });
  });
});
