/**
 * Unpacking a distribution tarball to disk for authoring (`new`) and for
 * building (`test`): the tarball mode's reader (every entry checked against
 * its entry policy while it streams; one refusal and nothing more is
 * written) feeding the workspace's tree writer (O_EXCL, O_NOFOLLOW, only
 * below directories it made). META.json and META.yml are kept in memory on
 * the way to say which distribution and version this is.
 */
import { binaryToBytes, concatBytes, tryDecodeUtf8 } from '../core/bytes.js';
import { parseDistname } from '../core/dist/distname.js';
import { readMetaJsonIdentity, readMetaYmlIdentity } from '../core/dist/meta.js';
import { resolveLimits } from '../core/limits.js';
import { CpansecError, inContext } from '../errors.js';
import { walkTarball } from '../tarball/read.js';
import { TreeWriter, prepareEmptyDir } from '../workspace/extract.js';
import type { Limits } from '../core/limits.js';
import type { TreeWriteSummary } from '../workspace/extract.js';

export interface UnpackedTarball {
  /** The directory holding the distribution's files (`dest`, whose name the caller chose). */
  root: string;
  /** The tarball's top directory name. */
  top: string;
  sha256: string;
  size: number;
  dist: { name: string; version: string; from: 'META.json' | 'META.yml' | 'top directory' | 'file name' };
  /** Every regular file, below the top directory. */
  files: string[];
  written: TreeWriteSummary;
}

async function collect(body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const c of body) chunks.push(c);
  return concatBytes(chunks);
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

type Identity = UnpackedTarball['dist'];

/** Entry names are byte strings; the file system gets them as UTF-8 text (any other encoding is refused). */
function fsName(name: string): string {
  const text = tryDecodeUtf8(binaryToBytes(name));
  if (text === undefined) {
    throw new CpansecError('UNSAFE_PATH', `tar entry name ${JSON.stringify(name.slice(0, 200))} is not UTF-8`, {
      hint: 'names in other encodings mean different files on different systems; unpack it by hand if you trust it',
      details: { path: name.slice(0, 200), reason: 'not-utf8' },
    });
  }
  return text;
}

function identityOf(meta: Map<string, Uint8Array>, top: string, fileName: string): Identity {
  for (const [name, read] of [
    ['META.json', readMetaJsonIdentity],
    ['META.yml', readMetaYmlIdentity],
  ] as const) {
    const bytes = meta.get(name);
    if (bytes === undefined) continue;
    try {
      const id = read(bytes);
      if (id.name !== undefined && id.version !== undefined) return { name: id.name, version: id.version, from: name };
    } catch (err) {
      throw inContext(err, `${top}/${name}`, 'METADATA_INVALID');
    }
  }
  const fromTop = parseDistname(`${top}.tar.gz`);
  if (fromTop.dist && fromTop.version) return { name: fromTop.dist, version: fromTop.version, from: 'top directory' };
  const fromFile = parseDistname(fileName, { allowXz: true });
  if (fromFile.dist && fromFile.version) return { name: fromFile.dist, version: fromFile.version, from: 'file name' };
  throw new CpansecError('METADATA_INVALID', `cannot tell which distribution ${fileName} is`, {
    details: { top, file: fileName },
  });
}

/**
 * Unpacks `tarball` so that its top directory's content lands in `dest`
 * (an empty or missing directory).
 * @throws CpansecError the tarball reader's refusals (UNSAFE_ENTRY, UNSAFE_PATH, LIMIT_EXCEEDED,
 *   TARBALL_INVALID, TARBALL_UNSUPPORTED), FILE_EXISTS (dest not empty), IO
 */
export async function unpackTarball(
  tarball: string,
  dest: string,
  options: { limits?: Partial<Limits>; fileName?: string } = {},
): Promise<UnpackedTarball> {
  const limits = resolveLimits(options.limits);
  await prepareEmptyDir(dest);
  const writer = new TreeWriter(dest);
  const meta = new Map<string, Uint8Array>();
  const files: string[] = [];
  const summary = await walkTarball(
    tarball,
    async ({ entry, header, body }) => {
      let content = body;
      if (entry.kind === 'file' && (entry.rel === 'META.json' || entry.rel === 'META.yml')) {
        if (entry.size > limits.maxMetaBytes) {
          throw new CpansecError(
            'LIMIT_EXCEEDED',
            `${entry.rel} is ${entry.size} bytes (limit ${limits.maxMetaBytes})`,
          );
        }
        const bytes = await collect(body);
        meta.set(entry.rel, bytes);
        content = once(bytes);
      }
      const rel = fsName(entry.rel);
      if (entry.kind === 'file' || entry.kind === 'hardlink') files.push(rel);
      await writer.write({
        rel,
        kind: entry.kind,
        mode: header.mode,
        mtime: header.mtime,
        ...(entry.linkpath === undefined ? {} : { linkpath: fsName(entry.linkpath) }),
        body: content,
      });
    },
    { limits, ...(options.fileName === undefined ? {} : { name: options.fileName }) },
  );
  const fileName = options.fileName ?? tarball.split('/').pop() ?? tarball;
  return {
    root: dest,
    top: summary.top,
    sha256: summary.sha256,
    size: summary.size,
    dist: identityOf(meta, summary.top, fileName),
    files: files.sort(),
    written: writer.summary,
  };
}
