/**
 * How a CPAN distribution is built and tested, as a CPAN client would:
 * `perl Makefile.PL && make && make test` (ExtUtils::MakeMaker), or
 * `perl Build.PL && ./Build && ./Build test` (Module::Build) when there is no
 * Makefile.PL; regression tests with prove -b against the built blib/.
 * Only argv arrays come out of here; run.ts runs them.
 */
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { CpansecError } from '../errors.js';

export type BuildSystem = 'makemaker' | 'module-build';

export interface Toolchain {
  perl: string;
  make: string;
}

async function isFile(path: string): Promise<boolean> {
  const st = await lstat(path).catch(() => undefined);
  return st?.isFile() === true;
}

/**
 * Makefile.PL wins when both exist: it needs nothing beyond perl's own
 * toolchain, where Build.PL often needs Module::Build::Tiny or Module::Build.
 * @throws CpansecError USAGE when there is neither
 */
export async function detectBuildSystem(dir: string): Promise<BuildSystem> {
  if (await isFile(join(dir, 'Makefile.PL'))) return 'makemaker';
  if (await isFile(join(dir, 'Build.PL'))) return 'module-build';
  throw new CpansecError('USAGE', `${dir} has neither Makefile.PL nor Build.PL`, {
    hint: 'cpansec-patch test builds CPAN distributions the way cpanm does; this one cannot be built that way',
    details: { dir },
  });
}

export function configureArgv(system: BuildSystem, tools: Toolchain): string[] {
  return [tools.perl, system === 'makemaker' ? 'Makefile.PL' : 'Build.PL'];
}

export function buildArgv(system: BuildSystem, tools: Toolchain): string[] {
  return system === 'makemaker' ? [tools.make] : [tools.perl, 'Build'];
}

export function testArgv(system: BuildSystem, tools: Toolchain): string[] {
  return system === 'makemaker' ? [tools.make, 'test'] : [tools.perl, 'Build', 'test'];
}

// prove, run by the same perl that built blib/ (a prove script on PATH may belong to another perl).
const PROVE = 'use App::Prove; my $app = App::Prove->new; $app->process_args(@ARGV); exit($app->run ? 0 : 1)';

/** prove -b -v on the given test files (relative paths, as the patch names them). */
export function proveArgv(tools: Toolchain, files: readonly string[]): string[] {
  return [tools.perl, '-e', PROVE, '--', '-b', '-v', ...files];
}
