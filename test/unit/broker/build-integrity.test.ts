import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SOURCE_INTEGRITY, checkIntegrity } from '../../../src/broker/build.ts';

describe('the librdkafka sources the mock broker is compiled from', () => {
  const folder = mkdtempSync(join(tmpdir(), 'wharf-integrity-'));
  const tarball = join(folder, 'package.tgz');
  writeFileSync(tarball, 'the reviewed bytes');
  const pinned = `sha512-${createHash('sha512').update('the reviewed bytes').digest('base64')}`;

  it('are built only from the tarball whose sha512 is pinned', async () => {
    await expect(checkIntegrity(tarball, pinned)).resolves.toBeUndefined();
    writeFileSync(tarball, 'the reviewed bytes, changed');
    await expect(checkIntegrity(tarball, pinned)).rejects.toThrow(
      /^package\.tgz: integrity sha512-\S+, expected sha512-\S+; refusing to build it$/,
    );
  });

  it('are pinned by a sha512 as npm publishes it', () => {
    expect(SOURCE_INTEGRITY).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
  });
});
