/**
 * Option value parsers shared by the commands: a wrong value is a usage
 * error (exit 2) that names the option, never a NaN that runs anyway.
 */
import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';

/** Parses a whole number of at least `min`. */
export function integerAtLeast(min: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(parsed) || parsed < min) {
      throw new InvalidArgumentError(`expected a whole number of at least ${String(min)}.`);
    }
    return parsed;
  };
}

/** Parses a positive number of seconds (decimals allowed) into milliseconds. */
export function seconds(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed <= 0) {
    throw new InvalidArgumentError('expected a number of seconds greater than 0.');
  }
  return Math.round(parsed * 1000);
}

/** Collects a repeatable option's values. */
export function collect(value: string, previous: readonly string[]): string[] {
  return [...previous, value];
}

/** Parses an http(s) URL, without a trailing slash. */
export function httpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('expected a URL such as http://localhost:8080.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError('expected an http:// or https:// URL.');
  }
  return url.href.replace(/\/+$/, '');
}

/** One Kafka bootstrap address, as KAFKA_BROKERS takes it. */
const BROKER_ADDRESS = /^[^\s:]+:\d+$/;

/** Parses a Kafka bootstrap list: host:port addresses, comma-separated. */
export function brokerList(value: string): string[] {
  const brokers = value
    .split(',')
    .map((broker) => broker.trim())
    .filter(Boolean);
  if (brokers.length === 0 || !brokers.every((broker) => BROKER_ADDRESS.test(broker))) {
    throw new InvalidArgumentError('expected host:port addresses, comma-separated.');
  }
  return brokers;
}

/**
 * Adds `--brokers <list>` (parsed by {@link brokerList}; KAFKA_BROKERS when
 * absent), the connection option of every command that reads Kafka for a
 * person: `tail`, `dlq list`, `replay`.
 */
export function addBrokersOption(command: Command): Command {
  return command.addOption(
    new Option(
      '--brokers <list>',
      'Kafka bootstrap list, host:port,… (default: KAFKA_BROKERS)',
    ).argParser(brokerList),
  );
}
