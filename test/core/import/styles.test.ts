/**
 * Header styles and authorship, on CPANSec's published patches (the five
 * styles of ../shared/cpansec-published, index.json records each file's style
 * and header) and on small inline texts for the corners.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeMimeWords } from '../../../src/core/import/mime-words.js';
import { cleanSubject, detectHeaderStyle, parseOriginalHeader } from '../../../src/core/import/styles.js';
import { hasShared, sharedPath } from '../../helpers/shared.js';

const PUBLISHED = hasShared('cpansec-published');

interface IndexedPatch {
  path: string;
  header_style: string;
  header: { commit: string | null; author: string | null; subject: string | null } | null;
}

describe('parseOriginalHeader', () => {
  describe.skipIf(!PUBLISHED)('on every patch CPANSec publishes', () => {
    const index = PUBLISHED
      ? (JSON.parse(readFileSync(sharedPath('cpansec-published', 'index.json'), 'utf8')) as { patches: IndexedPatch[] })
      : { patches: [] };
    for (const p of index.patches) {
      it(`${p.path}: style ${p.header_style}, author and commit as the index records them`, () => {
        const text = readFileSync(sharedPath('cpansec-published', p.path), 'utf8');
        // Split where the diff starts (one of them has a hunk the parser refuses; the header is what counts here).
        const at = /^(?:diff --git |--- a\/)/m.exec(text)?.index ?? text.length;
        const h = parseOriginalHeader(text.slice(0, at), text.slice(at));
        expect(h.style).toBe(p.header_style);
        expect(h.author ?? null).toBe(p.header?.author ?? null);
        expect(h.commit ?? null).toBe(p.header?.commit ?? null);
        if (p.header?.subject) expect(h.subject).toBe(cleanSubject(p.header.subject));
      });
    }
  });

  describe('when the file is a git format-patch mail', () => {
    it('reads the folded subject, strips [PATCH n/m] and keeps the message up to "---"', () => {
      const text = [
        'From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001',
        'From: =?UTF-8?q?Ren=C3=A9=20Doe?= <rene@example.org>',
        'Date: Tue, 1 Sep 2026 10:00:00 +0200',
        'Subject: [PATCH 2/3] Fix the open',
        ' in send_file',
        '',
        'Long text.',
        '',
        '---',
        ' lib/X.pm | 2 +-',
        '',
      ].join('\n');
      const h = parseOriginalHeader(text, 'diff --git a/lib/X.pm b/lib/X.pm');
      expect(h).toMatchObject({
        style: 'git-format-patch',
        commit: '0123456789abcdef0123456789abcdef01234567',
        author: 'René Doe <rene@example.org>',
        subject: 'Fix the open in send_file',
        body: ['Long text.'],
      });
    });
  });

  describe('when the file has no header', () => {
    it('tells a bare git diff from a plain unified diff', () => {
      expect(detectHeaderStyle('', 'diff --git a/x b/x')).toBe('git-diff');
      expect(detectHeaderStyle('', '--- a/x\t2025-01-01')).toBe('unified');
      expect(parseOriginalHeader('', '--- a/x')).toEqual({ style: 'unified', body: [] });
    });
  });

  describe('when the file already has DEP-3 fields', () => {
    it('reads Author and Description', () => {
      const h = parseOriginalHeader('Description: Fix it\nAuthor: A <a@b>\n\n', 'diff --git a/x b/x');
      expect(h).toMatchObject({ style: 'dep3', author: 'A <a@b>', subject: 'Fix it' });
    });
  });
});

describe('decodeMimeWords', () => {
  it('decodes Q and B words, joins adjacent ones, leaves unknown charsets alone', () => {
    expect(decodeMimeWords('=?UTF-8?b?UmVuw6k=?= Doe')).toBe('René Doe');
    expect(decodeMimeWords('=?utf-8?q?a?= =?utf-8?q?b?=')).toBe('ab');
    expect(decodeMimeWords('=?koi8-r?q?x?=')).toBe('=?koi8-r?q?x?=');
    expect(decodeMimeWords('plain')).toBe('plain');
  });
});
