/**
 * `.packlist` files (ExtUtils::Packlist): one absolute path per line,
 * optionally followed by ` key=value` pairs (installperl's `type=link
 * from=…`). They live at `<arch>/auto/<Main/Module>/.packlist`, named after
 * the Makefile.PL NAME, not the distribution (research §2.2).
 *
 * The paths are where the files were installed, which is not where the tree
 * is now when it was moved (a Carton `local/` copied into a container, a
 * renamed local::lib). relocatePacklist maps them onto the tree by the
 * install base they share.
 */

export interface PacklistEntry {
  /** Absolute path as recorded. */
  path: string;
  /** key=value attributes, when present. */
  attrs: Record<string, string>;
}

/**
 * Parses a packlist. Lines that are not absolute paths are dropped (a packlist
 * is ours to read, not to trust); so are lines with control characters.
 */
export function parsePacklist(text: string, maxEntries: number): PacklistEntry[] {
  const out: PacklistEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '' || !line.startsWith('/')) continue;
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(line)) continue;
    // ExtUtils::Packlist: "path key=val key=val"; a path may itself contain spaces, so only
    // trailing words that look like key=value are attributes.
    const attrs: Record<string, string> = Object.create(null) as Record<string, string>;
    let path = line;
    for (;;) {
      const m = / ([A-Za-z_]+)=(\S*)$/.exec(path);
      if (m === null) break;
      attrs[m[1] as string] = m[2] as string;
      path = path.slice(0, m.index);
    }
    out.push({ path, attrs });
    if (out.length >= maxEntries) break;
  }
  return out;
}

/** The module whose packlist this is, from its path below `auto/` ("Tiny/Thing/.packlist" → Tiny::Thing). */
export function packlistModule(pathBelowAuto: string): string | undefined {
  const parts = pathBelowAuto.split('/');
  if (parts.pop() !== '.packlist' || parts.length === 0) return undefined;
  if (!parts.every((p) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(p))) return undefined;
  return parts.join('::');
}

/**
 * Maps recorded absolute paths to paths relative to the tree root.
 *
 * `treeRoot` is the tree's absolute real path and `libDirs` its library
 * directories relative to it ("lib/perl5", "lib/perl5/x86_64-linux").
 * First choice: a recorded path inside `treeRoot` (the tree has not moved).
 * Otherwise the packlist of a moved tree still names files under the old
 * root, followed by the same library directories: the old root is the
 * prefix before "/<lib dir>/" that most entries agree on.
 * Paths that fit neither are returned in `outside` (files installed outside
 * the tree, such as scripts in /usr/local/bin for a site tree).
 */
export function relocatePacklist(
  entries: readonly PacklistEntry[],
  treeRoot: string,
  libDirs: readonly string[],
): { files: string[]; outside: string[]; oldRoot: string | undefined } {
  const root = treeRoot.endsWith('/') ? treeRoot.slice(0, -1) : treeRoot;
  const inside = (p: string): string | undefined =>
    root === '' ? p.slice(1) : p.startsWith(`${root}/`) ? p.slice(root.length + 1) : undefined;
  let oldRoot: string | undefined;
  if (entries.length > 0 && entries.every((e) => inside(e.path) === undefined)) {
    // Vote for the old root: for each entry and each library directory, the prefix before "/<dir>/".
    const votes = new Map<string, number>();
    for (const e of entries) {
      for (const dir of libDirs) {
        if (dir === '' || dir === '.') continue;
        const at = e.path.indexOf(`/${dir}/`);
        if (at >= 0) votes.set(e.path.slice(0, at), (votes.get(e.path.slice(0, at)) ?? 0) + 1);
      }
    }
    let best = 0;
    for (const [prefix, n] of votes) {
      if (n > best) {
        best = n;
        oldRoot = prefix;
      }
    }
  }
  const files: string[] = [];
  const outside: string[] = [];
  for (const e of entries) {
    const here = inside(e.path);
    if (here !== undefined && here !== '') {
      files.push(here);
      continue;
    }
    if (oldRoot !== undefined && e.path.startsWith(`${oldRoot}/`)) {
      files.push(e.path.slice(oldRoot.length + 1));
      continue;
    }
    outside.push(e.path);
  }
  return { files, outside, oldRoot };
}
