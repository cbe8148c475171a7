import { describe, expect, it } from 'vitest';
import { CpansecError } from '../../src/errors.js';
import { checkRawName, checkRelativePath, isInside, stripPath, tryStripPath } from '../../src/core/path-policy.js';

function reasonOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    if (err instanceof CpansecError) return err.details?.['reason'];
    throw err;
  }
  return undefined;
}

describe('tryStripPath', () => {
  describe('when the name has enough components', () => {
    it('removes N leading components like patch -pN', () => {
      expect(tryStripPath('a/lib/Foo.pm', 1)).toBe('lib/Foo.pm');
      expect(tryStripPath('a/b/lib/Foo.pm', 2)).toBe('lib/Foo.pm');
      expect(tryStripPath('lib/Foo.pm', 0)).toBe('lib/Foo.pm');
    });
    it('counts a run of slashes as one separator, as GNU patch does', () => {
      expect(tryStripPath('a//lib///Foo.pm', 1)).toBe('lib///Foo.pm');
    });
    it('counts a leading slash as a separator (GNU: -p1 turns /etc/x into etc/x)', () => {
      expect(tryStripPath('/etc/x', 1)).toBe('etc/x');
    });
  });
  describe('when the name has too few components', () => {
    it('returns null (GNU patch ignores the name)', () => {
      expect(tryStripPath('Makefile.PL', 1)).toBeNull();
      expect(tryStripPath('a/', 1)).toBeNull();
    });
  });
  describe('when the strip level is invalid', () => {
    it('throws USAGE', () => {
      expect(() => tryStripPath('a/b', -1)).toThrowCode('USAGE');
      expect(() => tryStripPath('a/b', 1.5)).toThrowCode('USAGE');
    });
  });
});

describe('stripPath', () => {
  describe('when the name has too few components', () => {
    it('throws UNSAFE_PATH with reason too-few-components', () => {
      expect(reasonOf(() => stripPath('Makefile.PL', 1))).toBe('too-few-components');
    });
  });
  it('returns the stripped name otherwise', () => {
    expect(stripPath('b/t/basic.t', 1)).toBe('t/basic.t');
  });
});

describe('checkRelativePath', () => {
  describe('when the path is ordinary', () => {
    it('returns it normalised', () => {
      expect(checkRelativePath('lib/Foo.pm')).toBe('lib/Foo.pm');
      expect(checkRelativePath('./lib//Foo.pm')).toBe('lib/Foo.pm');
      expect(checkRelativePath('.gitignore')).toBe('.gitignore');
      expect(checkRelativePath('lib/..foo/x')).toBe('lib/..foo/x');
    });
  });
  describe('when the path is hostile', () => {
    it.each([
      ['', 'empty'],
      ['/etc/passwd', 'absolute'],
      ['../x', 'dot-dot'],
      ['lib/../../x', 'dot-dot'],
      ['.git/hooks/x', 'dot-git'],
      ['sub/.GIT/config', 'dot-git'],
      ['sub/.git. /config', 'dot-git'],
      ['.', 'dot-only'],
      ['./.', 'dot-only'],
      ['a\0b', 'nul'],
      ['a\nb', 'control-character'],
      ['a\rb', 'control-character'],
      ['a\\b', 'backslash'],
      ['c:x', 'colon'],
      ['lib/Foo.pm:stream', 'colon'],
      ['lib/', 'trailing-slash'],
    ])('rejects %j (%s)', (path, reason) => {
      expect(reasonOf(() => checkRelativePath(path))).toBe(reason);
    });
  });
  describe('when the path exceeds a limit', () => {
    it('rejects long components, long paths and deep paths', () => {
      expect(reasonOf(() => checkRelativePath('x'.repeat(256)))).toBe('component-too-long');
      expect(reasonOf(() => checkRelativePath(Array(300).fill('abcdefghijklmno').join('/')))).toBe('path-too-long');
      expect(reasonOf(() => checkRelativePath(Array(33).fill('d').join('/')))).toBe('too-deep');
      expect(checkRelativePath(Array(32).fill('d').join('/'))).toBe(Array(32).fill('d').join('/'));
    });
    it('honours overridden limits', () => {
      expect(reasonOf(() => checkRelativePath('a/b/c', { maxPathDepth: 2 }))).toBe('too-deep');
    });
    it('measures strings that are not byte strings in UTF-8 bytes', () => {
      expect(reasonOf(() => checkRelativePath('€'.repeat(86)))).toBe('component-too-long');
    });
  });
  it('throws CpansecError UNSAFE_PATH with the path in details', () => {
    expect(() => checkRelativePath('../x')).toThrowCode('UNSAFE_PATH');
    try {
      checkRelativePath('../x');
    } catch (err) {
      expect((err as CpansecError).details).toEqual({ path: '../x', reason: 'dot-dot' });
    }
  });
});

describe('checkRawName', () => {
  describe('when the raw name is absolute or climbs', () => {
    it('rejects it whatever the strip level would leave', () => {
      expect(reasonOf(() => checkRawName('/etc/passwd'))).toBe('absolute');
      expect(reasonOf(() => checkRawName('C:/x'))).toBe('absolute');
      expect(reasonOf(() => checkRawName('../a/x'))).toBe('dot-dot');
      expect(reasonOf(() => checkRawName('a\\..\\x'))).toBe('dot-dot');
    });
  });
  it('accepts ordinary prefixed names', () => {
    expect(() => checkRawName('a/lib/Foo.pm')).not.toThrow();
  });
});

describe('isInside', () => {
  describe('when the relative path stays below the root', () => {
    it('returns true', () => {
      expect(isInside('lib/Foo.pm')).toBe(true);
      expect(isInside('..foo/x')).toBe(true);
    });
  });
  describe('when the relative path is the root, above it or absolute', () => {
    it('returns false', () => {
      for (const p of ['', '.', '..', '../x', '..\\x', '/etc', '\\x', 'C:\\x']) expect(isInside(p)).toBe(false);
    });
  });
});
