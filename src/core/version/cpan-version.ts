/**
 * CPAN versions with the semantics of version.pm 0.9929 (the XS parser in
 * vutil.c that `version->parse` and CPAN::Meta::Requirements use). Pinned by
 * shared/oracles/version-cmp.tsv and version-info.tsv; see docs/versions.md.
 *
 * A version is a tuple of non-negative integers compared element-wise with
 * zero padding. Decimal versions ("1.0201") cut the fraction into 3-digit
 * groups, right-padded with zeros: (1, 20, 100). Dotted versions ("v1.2.3",
 * or any with two or more dots) take each component as an integer. An
 * underscore is deleted before the tuple is built (Lyon compromise, version.pm
 * 0.9915): "1.02_01" == "1.0201" and "v1.2.3_4" == "v1.2.34"; only the alpha
 * flag remembers it.
 */
import { CpansecError } from '../../errors.js';

export interface CpanVersion {
  /** What version.pm keeps as "original" and stringify returns: the input minus leading whitespace ("undef" → "0"). */
  readonly original: string;
  readonly kind: 'decimal' | 'dotted';
  /** The comparison tuple. Dotted versions always have at least three parts. */
  readonly parts: readonly number[];
  /** True when the input had an underscore (a developer release). Never affects comparison. */
  readonly alpha: boolean;
}

/** version.pm stores components as 32-bit signed integers (VERSION_MAX in vutil.c). */
const VERSION_MAX = 0x7fffffff;

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
// C isSPACE: perl counts vertical tab as space since 5.18.
const isSpace = (c: string | undefined): boolean =>
  c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
// vutil.c lets a version end where Perl source code could continue: `our $VERSION = 1.2;` or `{`.
const endsVersion = (c: string | undefined): boolean =>
  c === undefined || c === ';' || c === '{' || c === '}' || isSpace(c);

interface Shape {
  dotted: boolean;
  /** Dots seen by the pre-scan; a decimal that turns out dotted counts its first dot twice, as vutil.c does. */
  dots: number;
  alpha: boolean;
}

const invalid = (reason: string): string => `Invalid version format (${reason})`;

/**
 * The lax pre-scan of vutil.c (prescan_version with strict=false): decides the
 * kind and rejects bad input with version.pm's own reasons, checked in the
 * same order so the first complaint is the same one Perl gives.
 */
function prescan(s: string, from: number): Shape | string {
  let d = from;
  if (s[d] === 'v') {
    d++;
    if (!isDigit(s[d])) return invalid('dotted-decimal versions require at least three parts');
    return prescanDotted(s, d, 0, false);
  }
  if (s[d] === '-') return invalid('negative version number');
  while (isDigit(s[d])) d++;
  let dots = 0;
  if (s[d] === '.') {
    dots++;
    d++;
  } else if (endsVersion(s[d])) {
    return d === from ? invalid('version required') : finish(s, d, { dotted: false, dots, alpha: false });
  } else if (d === from) {
    return invalid('non-numeric data');
  } else if (s[d] === '_') {
    return invalid(isDigit(s[d + 1]) ? 'alpha without decimal' : 'misplaced underscore');
  } else {
    return invalid('non-numeric data');
  }
  if (!isDigit(s[d]) && !endsVersion(s[d])) return invalid('fractional part required');
  let alpha = false;
  while (isDigit(s[d])) {
    d++;
    if (s[d] === '.') {
      // A second dot: this was a dotted version without the "v"; vutil.c rescans it from the start.
      if (alpha) return invalid('underscores before decimal');
      return prescanDotted(s, from, dots, false);
    }
    if (s[d] === '_') {
      if (alpha) return invalid('multiple underscores');
      if (!isDigit(s[d + 1])) return invalid('misplaced underscore');
      d++;
      alpha = true;
    }
  }
  return finish(s, d, { dotted: false, dots, alpha });
}

function prescanDotted(s: string, at: number, dotsSoFar: number, alphaSoFar: boolean): Shape | string {
  let d = at;
  let dots = dotsSoFar;
  let alpha = alphaSoFar;
  while (isDigit(s[d])) d++;
  if (s[d] !== '.') return finish(s, d, { dotted: true, dots, alpha });
  dots++;
  d++;
  while (isDigit(s[d])) {
    while (isDigit(s[d])) d++;
    if (s[d] === '_') {
      if (alpha) return invalid('multiple underscores');
      d++;
      alpha = true;
    } else if (s[d] === '.') {
      if (alpha) return invalid('underscores before decimal');
      dots++;
      d++;
    } else {
      break;
    }
  }
  return finish(s, d, { dotted: true, dots, alpha });
}

function finish(s: string, at: number, shape: Shape): Shape | string {
  let d = at;
  while (isSpace(s[d])) d++;
  if (!isDigit(s[d]) && !(s[d] === undefined || s[d] === ';' || s[d] === '{' || s[d] === '}')) {
    return invalid('non-numeric data');
  }
  if (shape.dots > 1 && s[d - 1] === '.') return invalid('trailing decimal');
  return shape;
}

/** Integer value of one component; version.pm warns "Integer overflow" (fatal for CMR) past VERSION_MAX. */
function integerComponent(digits: string): number | undefined {
  // vutil.c's multiplier saturates after ten digits, so even "00000000001" overflows there.
  if (digits.length > 10) return undefined;
  const value = digits === '' ? 0 : Number(digits);
  return value > VERSION_MAX ? undefined : value;
}

function fail(input: string, message: string): never {
  throw new CpansecError('VERSION_INVALID', message, {
    hint: `${JSON.stringify(input)} is not a version version.pm accepts; CPAN versions look like 1.23, 1.23_01 or v1.2.3.`,
    details: { input },
  });
}

/**
 * Parse like `version->parse(input)` with warnings fatal (as CPAN::Meta::Requirements
 * runs it): leading whitespace is skipped, but trailing whitespace or other
 * leftovers, which version.pm only warns about, are errors.
 * @throws CpansecError VERSION_INVALID, with version.pm's message.
 */
export function parseVersion(input: string): CpanVersion {
  let from = 0;
  while (isSpace(input[from])) from++;
  const shape = prescan(input, from);
  if (typeof shape === 'string') {
    // vutil.c: the literal string "undef" is version 0 (ExtUtils::MakeMaker's parse_version returns it).
    if (input.slice(from) === 'undef') return freeze('0', 'decimal', [0], false);
    fail(input, shape);
  }

  const parts: number[] = [];
  let pos = from + (input[from] === 'v' ? 1 : 0);
  let start = pos;
  while (isDigit(input[pos]) || input[pos] === '_') pos++;
  for (;;) {
    const digits = input.slice(start, pos).replace('_', '');
    if (!shape.dotted && start > from && shape.dots === 1) {
      // A fraction group of a decimal version: at most three digits, read as if right-padded ("5" → 500).
      parts.push(Number(digits.padEnd(3, '0')));
    } else {
      const value = integerComponent(digits);
      if (value === undefined) fail(input, 'Integer overflow in version');
      parts.push(value);
    }
    const c = input[pos];
    if (c === '.') {
      pos++;
      // Dotted components drop leading zeros before the overflow count, as vutil.c does.
      if (shape.dotted) while (input[pos] === '0') pos++;
    } else if (!(c === '_' && isDigit(input[pos + 1])) && !isDigit(c)) {
      break;
    } else if (c === '_') {
      pos++;
    }
    start = pos;
    if (shape.dotted) {
      while (isDigit(input[pos]) || input[pos] === '_') pos++;
    } else {
      for (let n = 0; (isDigit(input[pos]) || input[pos] === '_') && n < 3; pos++) if (input[pos] !== '_') n++;
    }
  }
  if (pos < input.length) {
    fail(input, `Version string '${input}' contains invalid data; ignoring: '${input.slice(pos)}'`);
  }
  while (shape.dotted && parts.length < 3) parts.push(0);
  return freeze(input.slice(from, pos), shape.dotted ? 'dotted' : 'decimal', parts, shape.alpha);
}

function freeze(original: string, kind: CpanVersion['kind'], parts: number[], alpha: boolean): CpanVersion {
  return Object.freeze({ original, kind, parts: Object.freeze(parts), alpha });
}

/** parseVersion, or undefined when the input is not a version. */
export function tryParseVersion(input: string): CpanVersion | undefined {
  try {
    return parseVersion(input);
  } catch (err) {
    if (err instanceof CpansecError && err.code === 'VERSION_INVALID') return undefined;
    throw err;
  }
}

function asVersion(v: CpanVersion | string): CpanVersion {
  return typeof v === 'string' ? parseVersion(v) : v;
}

/**
 * `a <=> b` as version.pm computes it: element-wise, the shorter tuple padded
 * with zeros, so 1.10 == 1.1, v1.2 == v1.2.0.0 and 1.2 > v1.2.
 * @throws CpansecError VERSION_INVALID when a string argument is not a version.
 */
export function compareVersions(a: CpanVersion | string, b: CpanVersion | string): -1 | 0 | 1 {
  const x = asVersion(a).parts;
  const y = asVersion(b).parts;
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const l = x[i] ?? 0;
    const r = y[i] ?? 0;
    if (l !== r) return l < r ? -1 : 1;
  }
  return 0;
}

/** version.pm `numify`: "1.002003"; lossy for dotted components above 999 (v1.1000 → "1.1000000"). */
export function numifyVersion(v: CpanVersion | string): string {
  const [first = 0, ...rest] = asVersion(v).parts;
  const fraction = rest.map((p) => String(p).padStart(3, '0')).join('');
  return `${first}.${fraction === '' ? '000' : fraction}`;
}

/** version.pm `normal`: "v" and at least three components ("1.02" → "v1.20.0"). */
export function normalVersion(v: CpanVersion | string): string {
  const parts = [...asVersion(v).parts];
  while (parts.length < 3) parts.push(0);
  return `v${parts.join('.')}`;
}

/** version.pm `stringify`: the text as written (minus leading whitespace). */
export function stringifyVersion(v: CpanVersion | string): string {
  return asVersion(v).original;
}

// The grammars of version::regex ($LAX and $STRICT), anchored like version::is_lax / is_strict.
const LAX_INT = '[0-9]+';
const STRICT_INT = '(?:0|[1-9][0-9]*)';
const DOT_DIGITS = '\\.[0-9]+';
const ALPHA_PART = '(?:_[0-9]+)?';
const LAX_RE = new RegExp(
  '^(?:undef' +
    `|v${LAX_INT}(?:(?:${DOT_DIGITS})+${ALPHA_PART})?` +
    `|(?:${LAX_INT})?(?:${DOT_DIGITS}){2,}${ALPHA_PART}` +
    `|${LAX_INT}(?:${DOT_DIGITS}|\\.)?${ALPHA_PART}` +
    `|${DOT_DIGITS}${ALPHA_PART})$`,
);
const STRICT_RE = new RegExp(`^(?:${STRICT_INT}(?:${DOT_DIGITS})?|v${STRICT_INT}(?:\\.[0-9]{1,3}){2,})$`);

/**
 * version::is_lax: the grammar version.pm documents as acceptable. It is a
 * regex and differs from what parseVersion accepts in corners ("v1." parses;
 * "1.2 " is lax-invalid).
 */
export function isLaxVersion(s: string): boolean {
  return LAX_RE.test(s);
}

/** version::is_strict: decimal without leading zeros or underscore, or "v" with at least three ≤3-digit parts. */
export function isStrictVersion(s: string): boolean {
  return STRICT_RE.test(s);
}
