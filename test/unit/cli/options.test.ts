import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerDlq } from '../../../src/cli/commands/dlq.ts';
import { registerReplay } from '../../../src/cli/commands/replay.ts';
import { registerTail } from '../../../src/cli/commands/tail.ts';
import { brokerList } from '../../../src/cli/options.ts';

describe('brokerList', () => {
  it('reads host:port addresses, comma-separated, spaces aside', () => {
    expect(brokerList('kafka-1:9092, kafka-2:9092,')).toEqual(['kafka-1:9092', 'kafka-2:9092']);
  });

  it.each(['', ' , ', 'kafka', 'kafka:port', 'kafka-1:9092,kafka 2:9092'])(
    'refuses %j',
    (value) => {
      expect(() => brokerList(value)).toThrow(/expected host:port addresses, comma-separated/);
    },
  );
});

describe('--brokers', () => {
  it('is an option of every command that reads Kafka for a person: tail, dlq list, replay', () => {
    const program = new Command('wharf');
    registerTail(program);
    registerDlq(program);
    registerReplay(program);
    const dlq = program.commands.find((command) => command.name() === 'dlq');
    const commands = [
      ...program.commands.filter((command) => ['tail', 'replay'].includes(command.name())),
      ...(dlq?.commands ?? []),
    ];
    expect(commands.map((command) => command.name()).sort()).toEqual(['list', 'replay', 'tail']);
    for (const command of commands) {
      const brokers = command.options.find((option) => option.long === '--brokers');
      expect(brokers?.description, command.name()).toMatch(/default: KAFKA_BROKERS/);
    }
  });
});
