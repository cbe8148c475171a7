/** Every tarball we write must read back with GNU tar and with Perl's Archive::Tar (what CPAN clients use). */
import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';

export function expectReadableByTarTools(path: string): void {
  const gnu = spawnSync('tar', ['tvzf', path], { encoding: 'utf8', maxBuffer: 1 << 26 });
  expect(gnu.status, `tar tvzf ${path}: ${gnu.stderr}`).toBe(0);
  expect(gnu.stderr).toBe('');
  const perl = spawnSync(
    'perl',
    [
      '-MArchive::Tar',
      '-e',
      'my $t = Archive::Tar->new($ARGV[0]) or die Archive::Tar->error; print scalar($t->list_files)',
      path,
    ],
    {
      encoding: 'utf8',
    },
  );
  expect(perl.status, `Archive::Tar ${path}: ${perl.stderr}`).toBe(0);
  expect(perl.stderr).toBe('');
  expect(Number(perl.stdout)).toBe(gnu.stdout.trim().split('\n').length);
}
