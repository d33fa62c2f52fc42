// @ts-check
import { readdirSync } from 'node:fs';
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** The provider folders: src/providers/<name>/. */
const PROVIDER_FOLDERS = readdirSync(new URL('src/providers/', import.meta.url), {
  withFileTypes: true,
})
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

/** One folder is one provider: what is inside it is reached through the registry only. */
export const providerBoundaries = [
  {
    files: ['src/**/*.ts', 'bench/**/*.ts', 'bin/**/*.js'],
    ignores: ['src/providers/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/providers/*/**'],
              message:
                "A provider's folder is its own: import what it offers through src/providers/index.ts, the registry.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/providers/*.ts'],
    ignores: ['src/providers/index.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['./*/**'],
              message:
                'Only the registry (src/providers/index.ts) imports from a provider folder; shared code knows no provider.',
            },
          ],
        },
      ],
    },
  },
  ...PROVIDER_FOLDERS.map((name) => ({
    files: [`src/providers/${name}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '../index.ts',
                ...PROVIDER_FOLDERS.filter((other) => other !== name).map(
                  (other) => `**/${other}/**`,
                ),
              ],
              message: `Nothing in src/providers/${name}/ knows another provider or the registry: use ../provider.ts and ../kit.ts.`,
            },
          ],
        },
      ],
    },
  })),
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.cache/', 'helm/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
    },
  },
  ...providerBoundaries,
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  prettier,
);
