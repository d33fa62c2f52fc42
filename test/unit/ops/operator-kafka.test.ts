import { Writable } from 'node:stream';
import { KafkaJSConnectionError } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { CommandIo } from '../../../src/ops/command-io.ts';
import { connectionFailureLine, reportKafkaFailure } from '../../../src/ops/operator-kafka.ts';
import type { OperatorConnection } from '../../../src/ops/operator-kafka.ts';

const plaintext: OperatorConnection = {
  clientId: 'wharf',
  brokers: ['kafka-1:9092', 'kafka-2:9092'],
  setting: '--brokers',
  security: { protocol: 'PLAINTEXT', tls: undefined, sasl: undefined },
};

const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 10.0.0.1:9092');

/** A CommandIo that keeps what it was given. */
function recordingIo(): CommandIo & { stderrText(): string; code(): number | undefined } {
  let stderr = '';
  let code: number | undefined;
  return {
    env: {},
    stdout: { write: () => true },
    stderr: new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        stderr += chunk.toString();
        callback();
      },
    }),
    now: () => 0,
    setExitCode: (value) => {
      code = value;
    },
    stderrText: () => stderr,
    code: () => code,
  };
}

describe('connectionFailureLine', () => {
  it('names the setting and every broker tried when none answered', () => {
    expect(connectionFailureLine(refused, plaintext)).toBe(
      '--brokers: no broker answered at kafka-1:9092,kafka-2:9092 ' +
        '(Connection error: connect ECONNREFUSED 10.0.0.1:9092); ' +
        'check the addresses and KAFKA_SECURITY_PROTOCOL (PLAINTEXT)',
    );
    expect(connectionFailureLine(refused, { ...plaintext, setting: 'KAFKA_BROKERS' })).toMatch(
      /^KAFKA_BROKERS: no broker answered at kafka-1:9092,kafka-2:9092 /,
    );
  });

  it('leaves other failures to the caller', () => {
    expect(connectionFailureLine(new Error('the topic was deleted'), plaintext)).toBeUndefined();
  });
});

describe('reportKafkaFailure', () => {
  it('prints one line and exits 3 when Kafka could not be reached', () => {
    const io = recordingIo();
    reportKafkaFailure(refused, 'cannot read webhooks.dlq', plaintext, io);
    expect(io.stderrText()).toMatch(
      /^cannot read webhooks\.dlq: --brokers: no broker answered [^\n]*\n$/,
    );
    expect(io.code()).toBe(3);
  });

  it('prints the message and exits 1 for any other failure', () => {
    const io = recordingIo();
    reportKafkaFailure(new Error('the topic was deleted'), 'cannot read x', plaintext, io);
    expect(io.stderrText()).toBe('cannot read x: the topic was deleted\n');
    expect(io.code()).toBe(1);
  });
});
