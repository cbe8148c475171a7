/**
 * CPAN::Meta::Spec version ranges (">= 1.2, < 2.0, != 1.5") with the exact
 * behaviour of CPAN::Meta::Requirements 2.140: which strings it accepts, how
 * it folds the parts together, when it calls a range contradictory, and the
 * normal form `requirements_for_module` prints. Pinned by
 * shared/oracles/version-range.tsv and version-range-norm.tsv.
 *
 * CMR keeps a range as minimum, maximum and a list of exclusions (">" is a
 * minimum plus an exclusion of the same version), or as one exact version.
 * The public VersionRange below is that state after CMR's own `as_struct`
 * step: an exclusion equal to a bound is shown as an exclusive bound.
 */
import { CpansecError } from '../../errors.js';
import { compareVersions, normalVersion, parseVersion, stringifyVersion } from './cpan-version.js';
import type { CpanVersion } from './cpan-version.js';

export interface RangeBound {
  readonly version: CpanVersion;
  readonly inclusive: boolean;
}

/**
 * Either `exact` alone, or any of minimum, maximum and exclusions. Exclusions
 * lie strictly between the bounds, in the order written; two spellings of one
 * version ("1.5", "1.50") may both appear, as in CMR.
 */
export interface VersionRange {
  readonly exact: CpanVersion | undefined;
  readonly minimum: RangeBound | undefined;
  readonly maximum: RangeBound | undefined;
  readonly exclusions: readonly CpanVersion[];
}

/** Far beyond any real advisory; keeps the quadratic exclusion bookkeeping cheap on hostile headers. */
const MAX_RANGE_PARTS = 256;

type State =
  | { readonly kind: 'exact'; readonly version: CpanVersion }
  | { readonly kind: 'range'; readonly min?: CpanVersion; readonly max?: CpanVersion; readonly excl: CpanVersion[] };

type Op = 'minimum' | 'maximum' | 'exclusion' | 'exact';

/** CMR %methods_for_op: ">" and "<" are a bound plus an exclusion of the same version. */
const OPS: Record<string, readonly Op[]> = {
  '==': ['exact'],
  '!=': ['exclusion'],
  '>=': ['minimum'],
  '<=': ['maximum'],
  '>': ['minimum', 'exclusion'],
  '<': ['maximum', 'exclusion'],
};

/** Thrown inside the fold; parseRange/intersectRanges add which range and part. */
class Contradiction extends Error {}

const cmp = compareVersions;
const str = stringifyVersion;
const ZERO = parseVersion('0');

/**
 * CMR `_version_object`: the literal "0" is version 0; anything else must
 * parse without even a warning; a leading "." gets a "0" in front and a
 * dotted version is replaced by its normal form (so "== 1.2.3" prints "== v1.2.3").
 */
function cmrVersion(v: CpanVersion | string): CpanVersion {
  if (v === '0') return ZERO;
  let out = typeof v === 'string' ? parseVersion(v) : v;
  if (out.original.startsWith('.')) out = parseVersion(`0${out.original}`);
  if (out.kind === 'dotted') out = parseVersion(normalVersion(out));
  return out;
}

function simplify(min: CpanVersion | undefined, max: CpanVersion | undefined, excl: CpanVersion[]): State {
  if (min && max) {
    const c = cmp(min, max);
    if (c === 0) {
      if (excl.some((e) => cmp(e, min) === 0)) {
        throw new Contradiction(`minimum and maximum are both ${str(min)}, which is excluded`);
      }
      return { kind: 'exact', version: min };
    }
    if (c > 0) throw new Contradiction(`minimum ${str(min)} is above maximum ${str(max)}`);
  }
  // CMR drops exclusions outside the bounds and duplicates by their spelling, not by value.
  const seen = new Set<string>();
  const kept = excl.filter((e) => {
    const inside = (!min || cmp(e, min) >= 0) && (!max || cmp(e, max) <= 0) && !seen.has(str(e));
    seen.add(str(e));
    return inside;
  });
  return { kind: 'range', ...(min && { min }), ...(max && { max }), excl: kept };
}

function accepts(state: State, v: CpanVersion): boolean {
  if (state.kind === 'exact') return cmp(v, state.version) === 0;
  if (state.min && cmp(v, state.min) < 0) return false;
  if (state.max && cmp(v, state.max) > 0) return false;
  return !state.excl.some((e) => cmp(v, e) === 0);
}

/** One CMR `with_*` step on the current state (undefined = no requirement yet). */
function apply(state: State | undefined, op: Op, v: CpanVersion): State {
  if (state?.kind === 'exact') {
    const x = state.version;
    const ok =
      op === 'exact'
        ? cmp(v, x) === 0
        : op === 'minimum'
          ? cmp(x, v) >= 0
          : op === 'maximum'
            ? cmp(x, v) <= 0
            : cmp(v, x) !== 0;
    if (ok) return state;
    const why: Record<Op, string> = {
      exact: `it cannot be exactly ${str(v)} and exactly ${str(x)}`,
      minimum: `minimum ${str(v)} is above the exact version ${str(x)}`,
      maximum: `maximum ${str(v)} is below the exact version ${str(x)}`,
      exclusion: `it excludes ${str(v)}, the exact version required`,
    };
    throw new Contradiction(why[op]);
  }
  const s = state ?? { kind: 'range', excl: [] };
  switch (op) {
    case 'exact':
      if (!accepts(s, v)) throw new Contradiction(`exact version ${str(v)} is outside ${formatState(s)}`);
      return { kind: 'exact', version: v };
    case 'minimum':
      // CMR keeps the larger bound; on a tie the newer spelling wins (Perl's sort is stable).
      return simplify(s.min && cmp(s.min, v) > 0 ? s.min : v, s.max, s.excl);
    case 'maximum':
      return simplify(s.min, s.max && cmp(s.max, v) < 0 ? s.max : v, s.excl);
    case 'exclusion':
      return simplify(s.min, s.max, [...s.excl, v]);
  }
}

function toPublic(state: State): VersionRange {
  if (state.kind === 'exact') {
    return Object.freeze({
      exact: state.version,
      minimum: undefined,
      maximum: undefined,
      exclusions: Object.freeze([]),
    });
  }
  // CMR as_struct: an exclusion equal to a bound turns ">=" into ">" (and "<=" into "<").
  let rest = state.excl;
  const bound = (v: CpanVersion | undefined): RangeBound | undefined => {
    if (!v) return undefined;
    const others = rest.filter((e) => cmp(e, v) !== 0);
    const inclusive = others.length === rest.length;
    rest = others;
    return Object.freeze({ version: v, inclusive });
  };
  const minimum = bound(state.min);
  const maximum = bound(state.max);
  return Object.freeze({ exact: undefined, minimum, maximum, exclusions: Object.freeze(rest) });
}

function toState(range: VersionRange): State {
  if (range.exact) return { kind: 'exact', version: cmrVersion(range.exact) };
  const min = range.minimum && cmrVersion(range.minimum.version);
  const max = range.maximum && cmrVersion(range.maximum.version);
  const excl = [
    ...(min && !range.minimum?.inclusive ? [min] : []),
    ...(max && !range.maximum?.inclusive ? [max] : []),
    ...range.exclusions.map(cmrVersion),
  ];
  return { kind: 'range', ...(min && { min }), ...(max && { max }), excl };
}

function formatState(state: State): string {
  return formatRange(toPublic(state));
}

/**
 * The normal form CMR `requirements_for_module` prints: "== v1.2.3",
 * ">= 1.2, < 2.0, != 1.5", or a bare version when the range is only a minimum.
 */
export function formatRange(range: VersionRange): string {
  if (range.exact) return `== ${str(range.exact)}`;
  const parts: string[] = [];
  if (range.minimum) parts.push(`${range.minimum.inclusive ? '>=' : '>'} ${str(range.minimum.version)}`);
  if (range.maximum) parts.push(`${range.maximum.inclusive ? '<=' : '<'} ${str(range.maximum.version)}`);
  for (const e of range.exclusions) parts.push(`!= ${str(e)}`);
  if (parts.length === 0) return '0';
  if (parts.length === 1 && range.minimum?.inclusive) return str(range.minimum.version);
  return parts.join(', ');
}

const SPACE = '[ \\t\\n\\r\\f\\v]';
const SEPARATOR = new RegExp(`${SPACE}*,${SPACE}*`);
// CMR add_string_requirement: an operator, then the rest of the part (`.` stops at a newline, as in Perl).
const PART = new RegExp(`^${SPACE}*(==|>=|>|<=|<|!=)${SPACE}*([^\\n]*)$`);
const HINT =
  'Write a CPAN::Meta range: parts joined by commas, each "OP VERSION" with OP one of == != >= <= > <, ' +
  'or a bare VERSION meaning ">= VERSION"; "0" means any version.';

/** A pointed hint for the mistakes seen in hand-written ranges (other ecosystems' syntax, -TRIAL). */
function hintFor(part: string | undefined): string {
  const t = (part ?? '').trim();
  if (t.startsWith('=>')) return `Did you mean ">="? ${HINT}`;
  if (t.startsWith('=<')) return `Did you mean "<="? ${HINT}`;
  if (/^[~^]/.test(t)) return `CPAN::Meta has no "~>" or "^"; write ">= X, < Y". ${HINT}`;
  if (/-TRIAL/i.test(t)) return `Drop the -TRIAL suffix: it names the tarball, not the version. ${HINT}`;
  if (/[0-9] +(-|to) +[v0-9]/.test(t)) return `Write a span as ">= X, <= Y". ${HINT}`;
  if (/[0-9] *[<>=!]/.test(t)) return `Separate the parts with commas. ${HINT}`;
  return HINT;
}

function rangeError(text: string, message: string, details: Record<string, unknown>, cause?: unknown): CpansecError {
  return new CpansecError('RANGE_INVALID', `version range ${JSON.stringify(text)}: ${message}`, {
    hint: hintFor(typeof details['part'] === 'string' ? details['part'] : undefined),
    details: { range: text, ...details },
    cause,
  });
}

/**
 * Parse a CPAN::Meta::Spec range as CPAN::Meta::Requirements 2.140 reads it
 * (`from_string_hash` with warnings fatal).
 * @throws CpansecError RANGE_INVALID naming the offending part and why.
 */
export function parseRange(text: string): VersionRange {
  if (text === '') throw rangeError(text, 'empty range', {});
  // Perl split: leading empty fields stay (and fail below as missing versions), trailing ones are dropped.
  const parts = text.split(SEPARATOR);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length > MAX_RANGE_PARTS) throw rangeError(text, `more than ${MAX_RANGE_PARTS} parts`, {});
  let state: State | undefined;
  parts.forEach((part, i) => {
    const m = PART.exec(part);
    const [opText, raw] = m ? [m[1] as string, m[2] as string] : ['>=', part];
    const where = { part, partIndex: i + 1 };
    let v: CpanVersion;
    try {
      v = cmrVersion(raw);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      const what = m ? `${JSON.stringify(raw)} is not a version` : 'neither "OP VERSION" nor a version';
      throw rangeError(text, `part ${i + 1} ${JSON.stringify(part)}: ${what} (${why})`, { ...where, reason: why }, err);
    }
    for (const op of OPS[opText] ?? []) {
      // CMR add_minimum ignores a literal "0" once the module has any requirement.
      if (op === 'minimum' && raw === '0' && state) continue;
      try {
        state = apply(state, op, v);
      } catch (err) {
        if (!(err instanceof Contradiction)) throw err;
        const msg = `part ${i + 1} ${JSON.stringify(part)} contradicts the parts before it: ${err.message}`;
        throw rangeError(text, msg, { ...where, reason: err.message });
      }
    }
  });
  // Unreachable for non-empty text (every part either throws or adds a requirement), kept for the type.
  if (!state) throw rangeError(text, 'no requirement', {});
  return toPublic(state);
}

/**
 * Does `version` satisfy the range (CMR `accepts_module`)?
 * @throws CpansecError VERSION_INVALID when a string version does not parse.
 */
export function rangeAccepts(range: VersionRange, version: CpanVersion | string): boolean {
  return accepts(toState(range), cmrVersion(version));
}

/**
 * Both ranges at once (CMR `add_requirements`): b's parts are added to a.
 * @throws CpansecError RANGE_INVALID when no version could satisfy both.
 */
export function intersectRanges(a: VersionRange, b: VersionRange): VersionRange {
  const other = toState(b);
  const steps: [Op, CpanVersion][] =
    other.kind === 'exact'
      ? [['exact', other.version]]
      : [
          ...(other.min ? [['minimum', other.min] as [Op, CpanVersion]] : []),
          ...(other.max ? [['maximum', other.max] as [Op, CpanVersion]] : []),
          ...other.excl.map((e): [Op, CpanVersion] => ['exclusion', e]),
        ];
  let state = toState(a);
  for (const [op, v] of steps) {
    if (op === 'minimum' && str(v) === '0') continue; // CMR add_minimum skips a "0" minimum, as in parseRange
    try {
      state = apply(state, op, v);
    } catch (err) {
      if (!(err instanceof Contradiction)) throw err;
      const text = `${formatRange(a)} AND ${formatRange(b)}`;
      throw rangeError(text, `the ranges contradict each other: ${err.message}`, { reason: err.message });
    }
  }
  return toPublic(state);
}
