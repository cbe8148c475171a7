/**
 * An author directory's CHECKSUMS file (CPAN::Checksums): a Perl hash
 * literal that CPAN.pm evaluates in a Safe compartment and cpanm with
 * Safe->reval. We never evaluate it. This is a parser for exactly the subset
 * CPAN::Checksums writes (cpan-ecosystem.md §3.3):
 *
 *   # CHECKSUMS file written on … by CPAN::Checksums (v2.14)
 *   $cksum = {
 *     'Dist-1.0.tar.gz' => {
 *       'cpan_path' => 'A/AU/AUTHOR',
 *       'sha256' => '8af0…',
 *       'size' => 1515
 *     },
 *   };
 *
 * PAUSE clear-signs the file with PGP and prefixes `0&&<<'';` so the armour
 * is a heredoc. We do not check PGP (cpanm removed it for CVE-2020-16154);
 * what matters is that exactly one reading exists: the heredoc must be the
 * armour header and nothing else, anything after `__END__` is the signature
 * and ignored, and anything else outside the one hash — a second
 * assignment, a second entry for a file, code — makes the file refused
 * (CVE-2020-16155: checksums prepended before the signed part were used).
 */
import { CpansecError } from '../../errors.js';

export interface ChecksumEntry {
  /** Every key of the entry as written (sha256, md5, size, cpan_path, mtime, …). */
  fields: Record<string, string>;
}

export type Checksums = Map<string, ChecksumEntry>;

function invalid(message: string, offset: number): CpansecError {
  return new CpansecError('METADATA_INVALID', `CHECKSUMS: ${message} (byte ${offset})`, {
    hint: 'the mirror served a CHECKSUMS file we cannot read unambiguously; try another --mirror',
    details: { file: 'CHECKSUMS', offset },
  });
}

const PGP_PREFIX = "0&&<<''; # this PGP-signed message is also valid perl\n";

class Scanner {
  at = 0;
  constructor(
    readonly text: string,
    readonly end: number,
  ) {}

  /** Skips spaces and # comments. */
  space(): void {
    for (;;) {
      while (this.at < this.end && ' \t\r\n'.includes(this.text[this.at] as string)) this.at++;
      if (this.text[this.at] !== '#') return;
      while (this.at < this.end && this.text[this.at] !== '\n') this.at++;
    }
  }

  expect(token: string): void {
    this.space();
    if (this.text.slice(this.at, this.at + token.length) !== token) throw invalid(`expected "${token}"`, this.at);
    this.at += token.length;
  }

  peek(token: string): boolean {
    this.space();
    return this.text.slice(this.at, this.at + token.length) === token;
  }

  /** A single-quoted Perl string: only \\ and \' are escapes. Or a bare number. */
  scalar(): string {
    this.space();
    const c = this.text[this.at];
    if (c === "'") {
      let out = '';
      for (let i = this.at + 1; i < this.end; i++) {
        const ch = this.text[i] as string;
        if (ch === '\\' && (this.text[i + 1] === '\\' || this.text[i + 1] === "'")) {
          out += this.text[i + 1];
          i++;
        } else if (ch === "'") {
          this.at = i + 1;
          return out;
        } else out += ch;
      }
      throw invalid('unterminated string', this.at);
    }
    const m = /^\d{1,20}/.exec(this.text.slice(this.at, this.at + 21));
    if (m === null) throw invalid('expected a quoted string or a number', this.at);
    this.at += m[0].length;
    return m[0];
  }
}

/** Strips the PGP armour header (a heredoc ended by the first empty line); returns where the Perl starts. */
function skipArmour(text: string): number {
  if (!text.startsWith('0&&')) return 0;
  if (!text.startsWith(PGP_PREFIX)) throw invalid('unexpected code before the checksums', 0);
  const blank = text.indexOf('\n\n', PGP_PREFIX.length - 1);
  const armour = text.slice(PGP_PREFIX.length, blank < 0 ? text.length : blank);
  if (blank < 0 || !/^-----BEGIN PGP SIGNED MESSAGE-----\n(?:Hash: [A-Za-z0-9-]+\n)*$/.test(`${armour}\n`)) {
    throw invalid('malformed PGP armour header', PGP_PREFIX.length);
  }
  return blank + 2;
}

/**
 * Parses a CHECKSUMS file.
 * @throws CpansecError METADATA_INVALID (anything outside the subset above, a file listed twice),
 *   LIMIT_EXCEEDED (over `maxEntries`)
 */
export function parseChecksums(text: string, options: { maxEntries: number }): Checksums {
  const start = skipArmour(text.replace(/\r\n/g, '\n'));
  const normalised = text.replace(/\r\n/g, '\n');
  const endMark = /^__END__$/m.exec(normalised.slice(start));
  const end = endMark === null ? normalised.length : start + endMark.index;
  const s = new Scanner(normalised, end);
  s.at = start;
  s.expect('$cksum');
  s.expect('=');
  s.expect('{');
  const out: Checksums = new Map();
  while (!s.peek('}')) {
    const file = s.scalar();
    if (out.has(file)) throw invalid(`${JSON.stringify(file)} is listed twice`, s.at);
    s.expect('=>');
    s.expect('{');
    const fields: Record<string, string> = Object.create(null) as Record<string, string>;
    while (!s.peek('}')) {
      const key = s.scalar();
      if (key in fields) throw invalid(`${JSON.stringify(file)}: key ${JSON.stringify(key)} given twice`, s.at);
      s.expect('=>');
      fields[key] = s.scalar();
      if (!s.peek(',')) break;
      s.expect(',');
    }
    s.expect('}');
    out.set(file, { fields });
    if (out.size > options.maxEntries) {
      throw new CpansecError('LIMIT_EXCEEDED', `CHECKSUMS lists more than ${options.maxEntries} files`, {
        details: { limit: options.maxEntries },
      });
    }
    if (!s.peek(',')) break;
    s.expect(',');
  }
  s.expect('}');
  s.expect(';');
  s.space();
  if (s.at !== end) throw invalid('unexpected text after the checksums', s.at);
  return out;
}

export type ChecksumVerdict =
  | { status: 'verified'; sha256: string }
  | { status: 'missing-entry' }
  | { status: 'mismatch'; expected: string; actual: string; field: 'sha256' | 'size' | 'cpan_path' };

/**
 * Checks one downloaded file against the CHECKSUMS of its directory: the
 * entry must exist, name the directory it was fetched from (CPAN.pm asks
 * before going on when cpan_path differs), and give the same size and
 * sha256. The sha256 is required: md5 alone is not accepted.
 */
export function checkAgainstChecksums(
  checksums: Checksums,
  file: { name: string; sha256: string; size: number; authorDir?: string },
): ChecksumVerdict {
  const entry = checksums.get(file.name);
  if (entry === undefined) return { status: 'missing-entry' };
  const f = entry.fields;
  const sha = f['sha256']?.toLowerCase();
  if (sha === undefined || !/^[0-9a-f]{64}$/.test(sha)) return { status: 'missing-entry' };
  if (file.authorDir !== undefined && f['cpan_path'] !== undefined && f['cpan_path'] !== file.authorDir) {
    return { status: 'mismatch', field: 'cpan_path', expected: f['cpan_path'], actual: file.authorDir };
  }
  if (f['size'] !== undefined && f['size'] !== String(file.size)) {
    return { status: 'mismatch', field: 'size', expected: f['size'], actual: String(file.size) };
  }
  if (sha !== file.sha256) return { status: 'mismatch', field: 'sha256', expected: sha, actual: file.sha256 };
  return { status: 'verified', sha256: sha };
}
