/**
 * The lint rule that keeps one folder one provider (eslint.config.js): code
 * outside a provider's folder reaches it through the registry only, and a
 * provider knows no other. `npm run lint` runs it over the code; this test
 * shows it refuses what it must and lets through what it must.
 */
import { Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

// The configuration file is JavaScript, outside the TypeScript project.
const eslintConfig = (await import(new URL('../../../eslint.config.js', import.meta.url).href)) as {
  providerBoundaries: Linter.Config[];
};

const config: Linter.Config[] = [
  { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } },
  ...eslintConfig.providerBoundaries,
];

/** The messages of the boundary rule for one import in a file at `path`. */
function refusals(path: string, from: string): string[] {
  const code = `import { x } from '${from}';\nexport const y = x;\n`;
  return new Linter({ configType: 'flat', cwd: process.cwd() })
    .verify(code, config, path)
    .map((message) => `${String(message.ruleId)}: ${message.message}`);
}

describe('the provider boundaries', () => {
  it('refuse a provider folder imported from outside it', () => {
    expect(refusals('src/worker/probe.ts', '../providers/ongoing/statuses.ts')).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*through src\/providers\/index\.ts/),
    ]);
    expect(refusals('bench/probe.ts', '../src/providers/happycolis/normalize.ts')).toHaveLength(1);
  });

  it('refuse one provider importing another, or the registry', () => {
    expect(refusals('src/providers/happycolis/probe.ts', '../shipwell/fields.ts')).toHaveLength(1);
    expect(refusals('src/providers/happycolis/probe.ts', '../index.ts')).toHaveLength(1);
  });

  it('refuse shared provider code importing a provider', () => {
    expect(refusals('src/providers/kit.ts', './ongoing/statuses.ts')).toHaveLength(1);
  });

  it('let through the registry, the shared modules, and a provider its own files', () => {
    expect(refusals('src/worker/probe.ts', '../providers/index.ts')).toEqual([]);
    expect(refusals('src/worker/probe.ts', '../providers/provider.ts')).toEqual([]);
    expect(refusals('src/providers/index.ts', './ongoing/index.ts')).toEqual([]);
    expect(refusals('src/providers/ongoing/probe.ts', './statuses.ts')).toEqual([]);
    expect(refusals('src/providers/ongoing/probe.ts', '../kit.ts')).toEqual([]);
  });
});
