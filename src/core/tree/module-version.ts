/**
 * A module's version read from its source without running it. The toolchain
 * (ExtUtils::MakeMaker parse_version, Module::Metadata) finds the first line
 * that assigns `$VERSION` and *evaluates* it; installed files are hostile, so
 * we only accept a literal on that line: a quoted or bare version, or
 * `version->declare/parse(…)` / `qv(…)` of one. `package NAME VERSION` (perl
 * 5.12) counts too. Anything computed is reported as dynamic, not guessed.
 */

export interface ModuleVersion {
  /** The version as written (without quotes), when one was found. */
  version?: string;
  /** The package the file declares first. */
  package?: string;
  /** 1-based line of the version. */
  line?: number;
  /** Why there is no version: none assigned in the part read, or computed at run time. */
  reason?: 'none' | 'dynamic';
}

// MakeMaker's selector (MM_Unix.pm parse_version): a $VERSION or *VERSION assignment, not a comparison.
const ASSIGN = /(?<!\\)[$*](?:[\w:']*\b)?VERSION\b[^=]*?(?<![<>=!])=(?![=~])/;
const PACKAGE = /^\s*package\s+([A-Za-z_][\w:]*(?:::\w+)*)(?:\s+(v?[0-9][0-9._]*))?\s*[;{]/;
const VERSION_TEXT = /^v?[0-9][0-9._]*$/;

function literal(rhs: string): string | undefined {
  let s = rhs.trim();
  // Chained assignments (`our $XS_VERSION = our $VERSION = "1.643";`): the last value is the one.
  for (;;) {
    const m = /^(?:our\s+|my\s+)?\$[\w:']+\s*=(?!=)\s*/.exec(s);
    if (m === null) break;
    s = s.slice(m[0].length);
  }
  const wrapped = /^(?:version(?:::|->)(?:declare|parse|qv)\s*|(?:version::)?qv\s*)\(\s*(.*?)\s*\)\s*;/.exec(s);
  if (wrapped) s = `${wrapped[1] as string};`;
  const quoted =
    /^(['"])(v?[0-9][0-9._]*)\1\s*(?:;|$)/.exec(s) ?? /^q[q]?\s*([({'"/])(v?[0-9][0-9._]*)[)}'"/]\s*;/.exec(s);
  if (quoted) return quoted[2];
  const bare = /^(v?[0-9][0-9._]*)\s*(?:;|$)/.exec(s);
  return bare?.[1];
}

/** Finds the version in a module's first `maxBytes` (already cut by the caller). `complete` = the whole file was read. */
export function extractModuleVersion(text: string, complete = true): ModuleVersion {
  const lines = text.split('\n');
  // A cut file ends in a partial line that must not be read as a whole one.
  if (!complete) lines.pop();
  let pod = false;
  let pkg: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/\r$/, '');
    if (/^=(?:cut)\b/.test(line)) {
      pod = false;
      continue;
    }
    if (/^=[a-zA-Z]/.test(line)) {
      pod = true;
      continue;
    }
    if (pod) continue;
    if (/^__(?:END|DATA)__\b/.test(line)) break;
    const code = line.replace(/^\s*#.*$/, '');
    const p = PACKAGE.exec(code);
    if (p) {
      pkg ??= p[1];
      if (p[2] !== undefined && VERSION_TEXT.test(p[2])) {
        return { version: p[2], package: pkg, line: i + 1 };
      }
      continue;
    }
    const a = ASSIGN.exec(code);
    if (!a) continue;
    const rhs = code.slice(a.index + a[0].length);
    const v = literal(rhs);
    if (v !== undefined && VERSION_TEXT.test(v)) return { version: v, ...(pkg ? { package: pkg } : {}), line: i + 1 };
    return { reason: 'dynamic', ...(pkg ? { package: pkg } : {}), line: i + 1 };
  }
  return { reason: 'none', ...(pkg ? { package: pkg } : {}) };
}
