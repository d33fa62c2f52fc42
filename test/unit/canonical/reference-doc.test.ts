/**
 * docs/canonical-model.md lists the closed vocabularies and the records'
 * fields as the code and the schemas have them: a change to either that is
 * not written into the page (`npm run docs`) fails here.
 */
import { describe, expect, it } from 'vitest';
import { CANONICAL_EVENT_TYPES } from '../../../src/canonical/event-types.ts';
import { FULFILLMENT_STATUSES } from '../../../src/canonical/fulfillment-status.ts';
import {
  canonicalReference,
  withCanonicalReference,
} from '../../../src/canonical/reference-doc.ts';

describe('the canonical model reference page', () => {
  it('lists every event type and status', () => {
    const reference = canonicalReference();
    for (const type of CANONICAL_EVENT_TYPES) {
      expect(reference).toContain(`\`${type.slice(type.indexOf('.') + 1)}\``);
    }
    for (const status of FULFILLMENT_STATUSES) expect(reference).toContain(`| \`${status}\` |`);
  });

  it('writes tables whose rows have as many cells as their header (pipes in types escaped)', () => {
    // A pipe is a cell border unless escaped by one backslash (`\\|` is a backslash, then a border).
    const cells = (line: string) => line.replaceAll('\\\\', '').split(/(?<!\\)\|/).length;
    let header: number | undefined;
    for (const line of canonicalReference().split('\n')) {
      if (!line.startsWith('|')) {
        header = undefined;
        continue;
      }
      header ??= cells(line);
      expect(cells(line), line).toBe(header);
    }
  });

  it('replaces only the generated part, keeping what is written by hand', () => {
    const page = withCanonicalReference('# Title\n\nBy hand.\n');
    expect(page.startsWith('# Title\n\nBy hand.\n\n')).toBe(true);
    expect(withCanonicalReference(page)).toBe(page);
    expect(withCanonicalReference(page.replace('`shipped`', '`sent`'))).toBe(page);
  });
});
