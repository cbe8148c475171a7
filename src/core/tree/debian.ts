/**
 * Debian's view of a Perl distribution: `/usr/share/doc/<pkg>/copyright`
 * (DEP-5 machine-readable format) names the upstream distribution, and the
 * package version carries the upstream one (research §2.7). Debian trees have
 * no .packlist and no .meta, so this is how a package becomes a dist.
 */
import { DIST_RE } from '../patch/metadata.js';

export interface DebianCopyright {
  /** DEP-5 `Upstream-Name`, when it is a valid CPAN distribution name. */
  upstreamName?: string;
  /** A dist name read from the `Source:` URL (metacpan.org/release/X, search.cpan.org/dist/X). */
  sourceDist?: string;
}

/**
 * Reads the header paragraph of a copyright file (only the part before the
 * first blank line is DEP-5's header).
 */
export function parseDebianCopyright(text: string): DebianCopyright {
  const header = text.split(/\r?\n[ \t]*\r?\n/)[0] ?? '';
  const out: DebianCopyright = {};
  for (const line of header.split(/\r?\n/)) {
    const m = /^([A-Za-z][A-Za-z0-9-]*):[ \t]*(.*?)[ \t]*$/.exec(line);
    if (m === null) continue;
    const field = (m[1] as string).toLowerCase();
    const value = m[2] as string;
    if (field === 'upstream-name' && DIST_RE.test(value)) out.upstreamName = value;
    if (field === 'source') {
      const s =
        /(?:metacpan\.org\/(?:release|dist)|search\.cpan\.org\/dist)\/(?:[A-Z0-9-]+\/)?([A-Za-z][A-Za-z0-9_-]*?)(?:-v?\d[\d._]*)?\/?(?:\s|$)/.exec(
          `${value} `,
        );
      if (s && DIST_RE.test(s[1] as string)) out.sourceDist = s[1] as string;
    }
  }
  return out;
}

/**
 * The upstream part of a Debian version: without the epoch ("1:") and the
 * Debian revision (after the last "-"), and without repack suffixes
 * ("+dfsg", "+ds", "+really…" keeps what follows "really").
 */
export function upstreamOfDebianVersion(version: string): string {
  let v = version.replace(/^\d+:/, '');
  const dash = v.lastIndexOf('-');
  if (dash > 0) v = v.slice(0, dash);
  const really = /\+really\+?(.*)$/.exec(v);
  if (really && really[1] !== '') v = really[1] as string;
  return v.replace(/[+~](?:dfsg|ds|repack)\d*.*$/, '');
}

/** The packages and versions in a dpkg status file (only installed ones). */
export function parseDpkgStatus(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const para of text.split(/\n\s*\n/)) {
    const pkg = /^Package:\s*(\S+)/m.exec(para)?.[1];
    const ver = /^Version:\s*(\S+)/m.exec(para)?.[1];
    const status = /^Status:\s*(.*)$/m.exec(para)?.[1] ?? 'install ok installed';
    if (pkg && ver && /\binstalled\b/.test(status) && !/not-installed/.test(status)) out.set(pkg, ver);
  }
  return out;
}

/** The dist's main module from its name ("HTTP-Daemon" → "HTTP::Daemon"). A guess: libwww-perl's is LWP. */
export function mainModuleOfDist(dist: string): string {
  return dist.replace(/-/g, '::');
}
