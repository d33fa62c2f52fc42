import { describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };

describe('runtime', () => {
  it('runs the suite on the Node.js the project targets (24 LTS), not the machine default', () => {
    const major = Number(process.versions.node.split('.')[0]);
    expect(major).toBe(24);
    expect(packageJson.engines.node).toBe('>=22');
  });
});
