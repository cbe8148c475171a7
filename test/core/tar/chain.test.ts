import { describe, expect, it } from 'vitest';
import { resolveLimits } from '../../../src/core/limits.js';
import { parseEntryHeaders } from '../../../src/core/tar/chain.js';
import { concat, entryBlocks, headerBlock, paxPayload } from '../../helpers/tar-builder.js';
import type { RawEntry } from '../../helpers/tar-builder.js';

const limits = resolveLimits();

/** The header blocks of a chain (extension payloads included, the entry's own data not). */
function chain(...entries: RawEntry[]): Uint8Array {
  const last = entries[entries.length - 1] as RawEntry;
  return concat([...entries.slice(0, -1).flatMap(entryBlocks), headerBlock(last)]);
}

function reason(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return (err as { details?: Record<string, unknown> }).details?.['reason'];
  }
  return 'no error';
}

describe('parseEntryHeaders', () => {
  it('reads a plain entry', () => {
    const e = parseEntryHeaders(chain({ name: 'A-1/lib/A.pm', data: 'abc', mode: 0o100644 }), limits);
    expect(e).toMatchObject({ path: 'A-1/lib/A.pm', type: 'file', size: 3, mode: 0o644, extensions: [] });
  });
  it('applies a pax path and linkpath, and a GNU long name and link', () => {
    const pax = parseEntryHeaders(
      chain(
        {
          name: 'PaxHeaders/x',
          type: 'x',
          data: paxPayload([
            ['path', 'A-1/long'],
            ['linkpath', 'target'],
          ]),
        },
        { name: 'A-1/short', type: '2', linkname: 't' },
      ),
      limits,
    );
    expect(pax).toMatchObject({ path: 'A-1/long', headerPath: 'A-1/short', linkpath: 'target', type: 'symlink' });
    const gnu = parseEntryHeaders(
      chain(
        { name: '././@LongLink', type: 'K', data: 'A-1/link-target\0', magic: 'gnu' },
        { name: '././@LongLink', type: 'L', data: 'A-1/long-name\0', magic: 'gnu' },
        { name: 'A-1/long-na', type: '2', linkname: 'A-1/l', magic: 'gnu' },
      ),
      limits,
    );
    expect(gnu).toMatchObject({ path: 'A-1/long-name', linkpath: 'A-1/link-target' });
  });
  it('accepts a global header that only carries a comment (git archive)', () => {
    const e = parseEntryHeaders(
      chain(
        { name: 'pax_global_header', type: 'g', data: paxPayload([['comment', 'abc123']]) },
        { name: 'A-1/', type: '5' },
      ),
      limits,
    );
    expect(e.extensions.map((x) => x.kind)).toEqual(['pax-global']);
  });

  describe('refuses extension sequences readers disagree on (UNSAFE_ENTRY)', () => {
    it('a pax header followed by a GNU long name (pax path/size applied to a meta entry)', () => {
      const c = chain(
        { name: 'x', type: 'x', data: paxPayload([['path', 'A-1/a']]) },
        { name: '././@LongLink', type: 'L', data: 'A-1/b\0' },
        { name: 'A-1/c' },
      );
      expect(reason(() => parseEntryHeaders(c, limits))).toBe('extension-order');
    });
    it('two pax headers for one entry, or two long names', () => {
      const x = { name: 'x', type: 'x', data: paxPayload([['mtime', '1']]) };
      expect(reason(() => parseEntryHeaders(chain(x, x, { name: 'A-1/c' }), limits))).toBe('extension-order');
      const l = { name: '././@LongLink', type: 'L', data: 'A-1/b\0' };
      expect(reason(() => parseEntryHeaders(chain(l, l, { name: 'A-1/c' }), limits))).toBe('extension-order');
    });
    it('a pax size that differs from the header size', () => {
      const c = chain({ name: 'x', type: 'x', data: paxPayload([['size', '9999']]) }, { name: 'A-1/c', data: 'abc' });
      expect(reason(() => parseEntryHeaders(c, limits))).toBe('pax-size');
    });
    it('a global header that sets a path or a size for every later entry', () => {
      const c = chain({ name: 'g', type: 'g', data: paxPayload([['path', 'A-1/evil']]) }, { name: 'A-1/c' });
      expect(reason(() => parseEntryHeaders(c, limits))).toBe('pax-global');
    });
    it('a directory or link that announces data (tar-stream skips none, GNU tar skips it)', () => {
      expect(reason(() => parseEntryHeaders(chain({ name: 'A-1/d/', type: '5', size: 512 }), limits))).toBe(
        'size-on-non-file',
      );
      expect(
        reason(() => parseEntryHeaders(chain({ name: 'A-1/l', type: '2', linkname: 'x', size: 10 }), limits)),
      ).toBe('size-on-non-file');
    });
  });

  describe('refuses malformed chains', () => {
    it('a zero block before the entry: data hidden after an end marker (TARBALL_INVALID)', () => {
      expect(
        reason(() => parseEntryHeaders(concat([new Uint8Array(512), headerBlock({ name: 'A-1/x' })]), limits)),
      ).toBe('after-end');
    });
    it('an extension header without an entry, and partial blocks', () => {
      expect(() =>
        parseEntryHeaders(concat(entryBlocks({ name: 'x', type: 'x', data: paxPayload([['mtime', '1']]) })), limits),
      ).toThrowCode('TARBALL_INVALID');
      expect(() => parseEntryHeaders(new Uint8Array(100), limits)).toThrowCode('TARBALL_INVALID');
    });
    it('unknown entry types, GNU sparse and the obsolete "N" header (TARBALL_UNSUPPORTED)', () => {
      for (const type of ['S', 'V', 'M', 'N', 'Z']) {
        expect(() => parseEntryHeaders(chain({ name: 'A-1/x', type }), limits), type).toThrowCode(
          'TARBALL_UNSUPPORTED',
        );
      }
    });
    it('a regular file named like a directory', () => {
      expect(reason(() => parseEntryHeaders(chain({ name: 'A-1/x/' }), limits))).toBe('file-named-directory');
    });
    it('an oversized pax header or long name (LIMIT_EXCEEDED)', () => {
      const big = chain(
        { name: 'x', type: 'x', data: paxPayload([['comment', 'c'.repeat(70_000)]]) },
        { name: 'A-1/c' },
      );
      expect(() => parseEntryHeaders(big, limits)).toThrowCode('LIMIT_EXCEEDED');
      const long = chain({ name: 'L', type: 'L', data: `A-1/${'n'.repeat(5000)}\0` }, { name: 'A-1/c' });
      expect(() => parseEntryHeaders(long, limits)).toThrowCode('LIMIT_EXCEEDED');
    });
  });
});
