import { describe, expect, it } from 'vitest';
import { formatFieldList, importFields } from '../../../src/core/import/synthesize.js';
import { parseHeader } from '../../../src/core/patch/header.js';
import { readPatchMetadata } from '../../../src/core/patch/metadata.js';

const path = {
  rel: 'X/XML-Bare/0.53/CVE-2026-13401-r1.patch',
  initial: 'X',
  distribution: 'XML-Bare',
  version: '0.53',
  cve: 'CVE-2026-13401',
  revision: 1,
};

describe('importFields', () => {
  it('fills what the path and text say, and marks what only a reviewer can say', () => {
    const fields = importFields({
      patchId: 'XML-Bare-CVE-2026-13401',
      path,
      original: { style: 'mail', author: 'Bot <bot@example.org>', subject: 'Bound the lookahead', body: ['More.'] },
      originUrl: 'https://security.metacpan.org/patches/X/XML-Bare/0.53/CVE-2026-13401-r1.patch',
      today: '2026-11-26',
    });
    const header = parseHeader(formatFieldList(fields));
    const strict = readPatchMetadata(header);
    expect(new Set(strict.issues.map((i) => i.field))).toEqual(new Set(['Verified-Versions', 'Severity', 'Forwarded']));
    const draft = readPatchMetadata(header, { draft: true });
    expect(draft.metadata).toMatchObject({
      patchId: 'XML-Bare-CVE-2026-13401',
      distribution: 'XML-Bare',
      affectedVersionsText: '== 0.53',
      cve: ['CVE-2026-13401'],
      summary: 'Bound the lookahead',
      longDescription: 'More.',
      authors: ['Bot <bot@example.org>'],
      origin: 'vendor, https://security.metacpan.org/patches/X/XML-Bare/0.53/CVE-2026-13401-r1.patch',
      lastUpdate: '2026-11-26',
    });
    expect(header.rest).toBe('\n');
  });

  it('records a later revision, and [TODO] when the text names no author or subject', () => {
    const fields = importFields({
      patchId: 'X-r2',
      path: { ...path, revision: 2 },
      original: { style: 'git-diff', body: [] },
      today: '2026-11-26',
    });
    expect(Object.fromEntries(fields)).toMatchObject({ Revision: '2', Author: '[TODO]', Description: '[TODO]' });
  });
});
