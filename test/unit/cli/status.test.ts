import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_INGRESS_METRICS,
  DEFAULT_WORKER_METRICS,
  metricsEndpoint,
  unreachableLine,
} from '../../../src/cli/commands/status.ts';
import { planLocalRun } from '../../../src/cli/local-stack.ts';

describe('wharf status', () => {
  it('reads the endpoints of npm start with nothing configured by default', () => {
    const { ingress, worker } = planLocalRun({}).config;
    expect(DEFAULT_INGRESS_METRICS).toBe(
      `http://${ingress.metricsHost}:${String(ingress.metricsPort)}/metrics`,
    );
    expect(DEFAULT_WORKER_METRICS).toBe(
      `http://${worker.metricsHost}:${String(worker.metricsPort)}/metrics`,
    );
  });

  it('takes a base URL or the full /metrics URL', () => {
    expect(metricsEndpoint('http://worker:9091')).toBe('http://worker:9091/metrics');
    expect(metricsEndpoint('http://worker:9091/')).toBe('http://worker:9091/metrics');
    expect(metricsEndpoint('https://wharf.example/worker/metrics')).toBe(
      'https://wharf.example/worker/metrics',
    );
    expect(() => metricsEndpoint('worker:9091')).toThrow(InvalidArgumentError);
  });

  it('names the endpoint it could not read and why', () => {
    const refused = new TypeError('fetch failed', {
      cause: new Error('connect ECONNREFUSED 127.0.0.1:9095'),
    });
    expect(unreachableLine('http://127.0.0.1:9095/metrics', refused)).toBe(
      'wharf status: cannot read http://127.0.0.1:9095/metrics: connect ECONNREFUSED 127.0.0.1:9095',
    );
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(unreachableLine('http://10.0.0.9:9091/metrics', timeout)).toBe(
      'wharf status: cannot read http://10.0.0.9:9091/metrics: no answer within 5 s',
    );
  });
});
