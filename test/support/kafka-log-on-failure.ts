/**
 * Setup file of the integration project: when a test fails against the Kafka
 * the global setup started, the end of that server's log is printed beside
 * the failure.
 */
import { readFile } from 'node:fs/promises';
import { afterEach, inject } from 'vitest';

const LINES = 40;

afterEach(async ({ task }) => {
  const logFile = inject('kafkaLogFile');
  if (task.result?.state !== 'fail' || logFile === null) return;
  const log = await readFile(logFile, 'utf8').catch(() => '');
  const tail = log
    .split('\n')
    .slice(-LINES - 1)
    .join('\n');
  process.stderr.write(`\n--- the last ${String(LINES)} lines of ${logFile} ---\n${tail}\n`);
});
