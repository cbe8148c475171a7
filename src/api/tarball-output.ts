/**
 * Where a patched tarball goes (docs/tarballs.md, "Output"), and the version
 * a --version-suffix makes. The input is never the output without --in-place.
 */
import { realpath, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { compareVersions, isLaxVersion, tryParseVersion } from '../core/version/cpan-version.js';
import { CpansecError } from '../errors.js';
import type { ArchiveFormat } from '../tarball/format.js';
import type { TarballOrigin } from './tarball-input.js';
import type { DistIdentity } from './tarball-plan.js';

/** "1.23" + "01" → "1.2301": must stay a stable version (no "_") that sorts after the original. */
export function suffixedVersion(version: string, suffix: string): string {
  const next = `${version}${suffix}`;
  const a = tryParseVersion(version);
  const b = isLaxVersion(next) && !next.includes('_') ? tryParseVersion(next) : undefined;
  if (a === undefined || b === undefined || compareVersions(b, a) <= 0) {
    throw new CpansecError(
      'USAGE',
      `--version-suffix ${JSON.stringify(suffix)} makes ${JSON.stringify(next)} of ${version}, not a later stable version`,
      {
        hint: 'append digits to a decimal version (1.23 with 01 gives 1.2301) or a component to a dotted one (v1.2.3 with .1)',
        details: { version, suffix },
      },
    );
  }
  return next;
}

const ARCHIVE_EXT = /\.(tar\.gz|tgz|tar)$/i;

/** Where the patched tarball goes (docs/tarballs.md, "Output names"). */
export async function outputPath(
  origin: TarballOrigin,
  format: ArchiveFormat,
  identity: DistIdentity,
  newVersion: string | undefined,
  options: { out?: string; inPlace?: boolean; cwd?: string },
): Promise<string> {
  const cwd = options.cwd ?? process.cwd();
  if (options.inPlace === true) {
    if (origin.kind !== 'file' || format !== 'tar.gz') {
      throw new CpansecError('USAGE', '--in-place needs a local .tar.gz file as input', {
        details: { input: origin.given },
      });
    }
    return origin.path;
  }
  const m = ARCHIVE_EXT.exec(origin.file);
  const stem = m === null ? origin.file : origin.file.slice(0, m.index);
  const ext = m !== null && m[1]?.toLowerCase() === 'tgz' ? 'tgz' : 'tar.gz';
  const versioned = newVersion === undefined ? undefined : `${identity.name}-${newVersion}.tar.gz`;
  let out: string;
  if (options.out !== undefined) {
    const target = resolve(cwd, options.out);
    const isDir = options.out.endsWith('/') || (await stat(target).catch(() => undefined))?.isDirectory() === true;
    out = isDir ? join(target, versioned ?? `${stem}.${ext}`) : target;
  } else {
    const dir = origin.kind === 'file' ? dirname(origin.path) : cwd;
    out = join(dir, versioned ?? `${stem}+cpansec.${ext}`);
  }
  const folder = dirname(out);
  if ((await stat(folder).catch(() => undefined))?.isDirectory() !== true) {
    throw new CpansecError('FILE_NOT_FOUND', `the output folder ${folder} does not exist`, {
      hint: `create it first (mkdir -p ${folder}), or choose another --out`,
      details: { output: out },
    });
  }
  const [a, b] = await Promise.all([realpath(origin.path).catch(() => origin.path), realpath(out).catch(() => out)]);
  if (a === b) {
    throw new CpansecError(
      'USAGE',
      `the output ${out} is the input tarball; it is never overwritten without --in-place`,
      {
        hint: 'choose another --out, or pass --in-place to replace the input',
        details: { output: out },
      },
    );
  }
  return out;
}
