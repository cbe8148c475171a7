/**
 * The header checks `diff` and `lint` share: core/patch/metadata.ts's
 * validation (ids, ranges, required fields, Forwarded, dates), plus what a
 * curated patch needs beyond syntax — the file named after its Patch-Id, a
 * range some version can fall in, verified versions that are affected, and a
 * regression test. In a draft, fields still marked [TODO] are not errors
 * (what they hold is not meant to parse yet); they are listed instead.
 */
import { basename } from 'node:path';
import { diffstat } from '../core/patch/diffstat.js';
import { TODO_MARK } from '../core/patch/metadata.js';
import { validatePatchFile } from '../core/patch/patch-file.js';
import { canBeAffected, isAffected } from '../core/version/affected.js';
import { stringifyVersion } from '../core/version/cpan-version.js';
import type { PatchMetadata } from '../core/patch/metadata.js';
import type { PatchFile } from '../core/patch/patch-file.js';

export interface HeaderProblem {
  field: string;
  /** 1-based line in the patch file; 0 when the field is missing. */
  line: number;
  message: string;
  severity: 'error' | 'warning';
}

export interface HeaderCheck {
  metadata: PatchMetadata;
  problems: HeaderProblem[];
  /** Fields still holding [TODO]. */
  todo: string[];
  /** Test files the patch adds (t/cpansec-*.t and any other new .t). */
  regressionTests: string[];
}

/** New .t files: what `test` runs as the patch's regression test. */
export function addedTests(file: PatchFile): string[] {
  return diffstat(file.diff)
    .files.filter((f) => f.change === 'created' && /(^|\/)t\/.+\.t$/.test(f.path))
    .map((f) => f.path);
}

export function checkHeader(file: PatchFile, path: string, options: { draft?: boolean } = {}): HeaderCheck {
  const draft = options.draft === true;
  const { metadata, issues } = validatePatchFile(file, { draft });
  const todoFields = file.header.fields.filter((f) => f.value.includes(TODO_MARK));
  const todoLines = new Set(todoFields.map((f) => f.line));
  const problems: HeaderProblem[] = issues
    .filter((i) => !(draft && todoLines.has(i.line)))
    .map((i) => ({ field: i.field, line: i.line, message: i.message, severity: i.severity }));
  const todo = [...new Set(todoFields.map((f) => f.name))];
  if (draft && todo.length > 0) {
    problems.push({
      field: todo[0] as string,
      line: todoFields[0]?.line ?? 0,
      message: `still to fill: ${todo.join(', ')}`,
      severity: 'warning',
    });
  }
  const id = metadata.patchId;
  if (id !== undefined && !id.includes(TODO_MARK) && basename(path) !== `${id}.patch`) {
    const line = file.header.fields.find((f) => f.name.toLowerCase() === 'patch-id')?.line ?? 0;
    problems.push({
      field: 'Patch-Id',
      line,
      message: `the file must be named ${id}.patch`,
      severity: draft ? 'warning' : 'error',
    });
  }
  const affected = metadata.affectedVersions;
  const affectedLine = file.header.fields.find((f) => f.name.toLowerCase() === 'affected-versions')?.line ?? 0;
  if (affected !== undefined) {
    if (!canBeAffected(affected, metadata.fixedVersions)) {
      problems.push({
        field: 'Affected-Versions',
        line: affectedLine,
        message: 'no version can be affected (every alternative is empty once Fixed-Versions are taken out)',
        severity: 'error',
      });
    }
    for (const v of metadata.verifiedVersions) {
      if (!isAffected(affected, v, metadata.fixedVersions)) {
        problems.push({
          field: 'Verified-Versions',
          line: file.header.fields.find((f) => f.name.toLowerCase() === 'verified-versions')?.line ?? 0,
          message: `verified version ${stringifyVersion(v)} is not in Affected-Versions`,
          severity: 'error',
        });
      }
    }
  }
  const regressionTests = addedTests(file);
  if (!regressionTests.some((t) => /(^|\/)t\/cpansec-[^/]*\.t$/.test(t))) {
    problems.push({
      field: 'diff',
      line: 0,
      message: 'the patch adds no regression test t/cpansec-*.t (one that fails before the fix and passes after it)',
      severity: 'warning',
    });
  }
  return { metadata, problems, todo, regressionTests };
}
