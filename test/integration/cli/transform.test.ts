/**
 * `wharf transform` as a user runs it: a child process, files and stdin,
 * JSON lines out, exit codes.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fixture, happycolisMessage } from '../../support/worker.ts';

const WHARF_BIN = fileURLToPath(new URL('../../../bin/wharf.js', import.meta.url));

function wharf(
  args: readonly string[],
  stdin = '',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WHARF_BIN, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

function file(name: string, content: string): string {
  const path = join(tmpdir(), `wharf-transform-${String(process.pid)}-${name}`);
  writeFileSync(path, content);
  return path;
}

describe('wharf transform', () => {
  it('prints the canonical record of each file and exits 0 when all were routed', async () => {
    const picked = file('picked.json', fixture('ongoing', 'order-picked.json'));
    const created = file('created.json', fixture('ongoing', 'order-created.json'));
    const result = await wharf([
      'transform',
      '--source',
      'ongoing',
      '--received-at',
      '2023-01-01T12:00:01Z',
      picked,
      created,
    ]);
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      topic: 'logistics.fulfillment.v1',
      headers: {
        ce_type: 'dev.wharf.logistics.fulfillment_order.picked.v1',
        ce_specversion: '1.0',
      },
      value: {
        type: 'fulfillment_order.picked',
        source: 'ongoing',
        receivedAt: '2023-01-01T12:00:01.000Z',
      },
    });
    expect((lines[1]?.value as { type?: string }).type).toBe('fulfillment_order.created');
  });

  it('reads stdin, takes the URL event type and headers, and exits 3 when anything was dead-lettered', async () => {
    const body = happycolisMessage('shipment/delivered', 'body-shipment.json');
    const routed = await wharf(['transform', '-s', 'happycolis', '-H', 'x-trace:abc', '-'], body);
    expect(routed.code).toBe(0);
    expect(JSON.parse(routed.stdout)).toMatchObject({
      topic: 'logistics.shipments.v1',
      value: { type: 'shipment.delivered' },
    });

    const dead = await wharf(
      ['transform', '-s', 'shipwell', '--event-type', 'order.exploded'],
      fixture('shipwell', 'order.created.json'),
    );
    expect(dead.code).toBe(3);
    expect(JSON.parse(dead.stdout)).toMatchObject({
      topic: 'webhooks.dlq',
      error: { stage: 'detect', code: 'UNKNOWN_EVENT_TYPE' },
    });
  });

  it('exits 2 on usage errors', async () => {
    expect((await wharf(['transform'])).code).toBe(2);
    expect((await wharf(['transform', '--source', 'dhl'])).code).toBe(2);
    expect((await wharf(['transform', '-s', 'ongoing', '-H', 'no-colon'], '{}')).code).toBe(2);
    expect((await wharf(['transform', '-s', 'ongoing', '--received-at', 'soon'], '{}')).code).toBe(
      2,
    );
    const missing = await wharf(['transform', '-s', 'ongoing', '/no/such/file.json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read the input/);
  });
});
