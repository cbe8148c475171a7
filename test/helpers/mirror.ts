/**
 * A CPAN mirror for the tests: the corpus tarballs laid out under
 * authors/id/, a modules/02packages.details.txt.gz and one CHECKSUMS per
 * author directory written the way PAUSE and CPAN::Checksums write them
 * (cpan-ecosystem.md §3.2-3.3), served by a real HTTP server on 127.0.0.1
 * with Last-Modified and If-Modified-Since, a request log, and per-path
 * overrides for the attacks.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback.js';

export interface MirrorDist {
  /** authors/id path, e.g. O/OA/OALDERS/HTTP-Daemon-6.16.tar.gz */
  path: string;
  /** The tarball to put there. */
  source: string;
  /** Packages to index for it (none: the file is in the author directory but not indexed). */
  packages: [string, string][];
}

/** Writes the mirror into `root`. */
export function buildMirror(root: string, dists: MirrorDist[]): void {
  const lines: string[] = [];
  const byDir = new Map<string, string[]>();
  for (const d of dists) {
    const target = join(root, 'authors', 'id', d.path);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(d.source, target);
    for (const [pkg, version] of d.packages) lines.push(`${pkg.padEnd(30)} ${version.padStart(8)}  ${d.path}`);
    const dir = d.path.slice(0, d.path.lastIndexOf('/'));
    byDir.set(dir, [...(byDir.get(dir) ?? []), d.path]);
  }
  lines.sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
  const header = [
    'File:         02packages.details.txt',
    'URL:          http://www.cpan.org/modules/02packages.details.txt',
    'Description:  Package names found in directory $CPAN/authors/id/',
    'Columns:      package name, version, path',
    'Intended-For: Automated fetch routines, namespace documentation.',
    'Written-By:   cpansec-patch tests',
    `Line-Count:   ${lines.length}`,
    'Last-Updated: Wed, 25 Nov 2026 23:09:11 GMT',
    '',
  ];
  mkdirSync(join(root, 'modules'), { recursive: true });
  writeFileSync(join(root, 'modules', '02packages.details.txt.gz'), gzipSync(`${[...header, ...lines].join('\n')}\n`));
  for (const dir of byDir.keys()) writeChecksums(root, dir);
}

/** (Re)writes authors/id/<dir>/CHECKSUMS for every file in that directory. */
export function writeChecksums(
  root: string,
  dir: string,
  edit: (entries: Record<string, Record<string, string>>) => void = () => undefined,
): void {
  const full = join(root, 'authors', 'id', dir);
  const entries: Record<string, Record<string, string>> = {};
  for (const name of readdirSync(full).sort()) {
    if (name === 'CHECKSUMS') continue;
    const bytes = readFileSync(join(full, name));
    entries[name] = {
      cpan_path: dir,
      md5: createHash('md5').update(bytes).digest('hex'),
      mtime: '2026-11-25',
      sha256: createHash('sha256').update(bytes).digest('hex'),
      size: String(bytes.length),
    };
  }
  edit(entries);
  const body = Object.entries(entries)
    .map(
      ([name, f]) =>
        `  '${name}' => {\n${Object.entries(f)
          .map(([k, v]) => `    '${k}' => ${k === 'size' ? v : `'${v}'`}`)
          .join(',\n')}\n  },`,
    )
    .join('\n');
  writeFileSync(
    join(full, 'CHECKSUMS'),
    `# CHECKSUMS file written on Wed Nov 25 23:09:40 2026 GMT by CPAN::Checksums (v2.14)\n$cksum = {\n${body}\n};\n`,
  );
}

export type Override = (path: string, req: IncomingMessage, res: ServerResponse) => boolean;

export interface MirrorServer {
  url: string;
  root: string;
  /** Paths requested, with the status sent. */
  log: { path: string; status: number }[];
  override: Override | undefined;
}

/** Serves `root` on 127.0.0.1; closed when the test ends. */
export async function serveMirror(root: string): Promise<MirrorServer> {
  const state: MirrorServer = { url: '', root, log: [], override: undefined };
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const send = (status: number, body?: Buffer, headers: Record<string, string> = {}): void => {
      state.log.push({ path, status });
      res.writeHead(status, headers);
      res.end(body);
    };
    if (state.override?.(path, req, res)) {
      state.log.push({ path, status: res.statusCode });
      return;
    }
    const file = join(root, path);
    if (relative(root, file).startsWith('..')) return send(403);
    let st;
    try {
      st = statSync(file);
    } catch {
      return send(404);
    }
    if (!st.isFile()) return send(404);
    const lastModified = new Date(Math.floor(st.mtimeMs / 1000) * 1000).toUTCString();
    const since = req.headers['if-modified-since'];
    if (since !== undefined && Date.parse(since) >= Date.parse(lastModified)) return send(304);
    send(200, readFileSync(file), { 'content-type': 'application/octet-stream', 'last-modified': lastModified });
  });
  state.url = `${(await listenOnLoopback(server)).origin}/`;
  return state;
}
