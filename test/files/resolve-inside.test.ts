import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveInside } from '../../src/files/safe-path.js';
import { tempDir } from '../helpers/tmp.js';

describe('resolveInside', () => {
  function tree(): string {
    const root = join(tempDir(), 'root');
    mkdirSync(join(root, 'real', 'Foo'), { recursive: true });
    writeFileSync(join(root, 'real', 'Foo', 'Bar.pm'), '1;\n');
    return root;
  }

  it('returns a path without links unchanged', async () => {
    const root = tree();
    expect(await resolveInside(root, 'real/Foo/Bar.pm')).toBe('real/Foo/Bar.pm');
    expect(await resolveInside(root, 'real/Foo/Missing.pm')).toBe('real/Foo/Missing.pm');
  });

  it('follows links that stay inside the root, relative or absolute', async () => {
    const root = tree();
    symlinkSync('real', join(root, 'lib'));
    symlinkSync(join(root, 'real', 'Foo', 'Bar.pm'), join(root, 'real', 'Foo', 'Alias.pm'));
    expect(await resolveInside(root, 'lib/Foo/Bar.pm')).toBe('real/Foo/Bar.pm');
    expect(await resolveInside(root, 'lib/Foo/Alias.pm')).toBe('real/Foo/Bar.pm');
  });

  describe('when a link leads out of the root', () => {
    it('refuses it with SYMLINK_ESCAPE, for directories and files', async () => {
      const root = tree();
      const outside = tempDir();
      writeFileSync(join(outside, 'x.pm'), 'outside\n');
      symlinkSync(outside, join(root, 'out'));
      symlinkSync('../../../etc/passwd', join(root, 'real', 'Foo', 'Evil.pm'));
      symlinkSync(join(outside, 'x.pm'), join(root, 'real', 'Abs.pm'));
      await expect(resolveInside(root, 'out/x.pm')).rejects.toMatchObject({ code: 'SYMLINK_ESCAPE' });
      await expect(resolveInside(root, 'real/Foo/Evil.pm')).rejects.toMatchObject({ code: 'SYMLINK_ESCAPE' });
      await expect(resolveInside(root, 'real/Abs.pm')).rejects.toMatchObject({ code: 'SYMLINK_ESCAPE' });
    });
  });

  it('refuses a link loop', async () => {
    const root = tree();
    symlinkSync('b', join(root, 'a'));
    symlinkSync('a', join(root, 'b'));
    await expect(resolveInside(root, 'a/x.pm')).rejects.toMatchObject({ code: 'SYMLINK_ESCAPE' });
  });
});
