/**
 * Rows of the Perl oracles, from two places: the committed subset in
 * test/fixtures/oracles (always there) and the full files in
 * ../shared/oracles (skipped, with a printed reason, when absent).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT, hasShared, sharedPath } from '../../helpers/shared.js';

export interface OracleSource {
  name: string;
  present: boolean;
  /** The rows of `file`, split on TAB only and never trimmed (oracles README); [] when absent. */
  rows(file: string): string[][];
}

function readTsv(path: string): string[][] {
  const lines = readFileSync(path, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line) => line.split('\t'));
}

function source(name: string, dir: string, present: boolean): OracleSource {
  return { name, present, rows: (file) => (present ? readTsv(join(dir, file)) : []) };
}

export const ORACLE_SOURCES: readonly OracleSource[] = [
  source('the committed oracle rows', join(PROJECT_ROOT, 'test', 'fixtures', 'oracles'), true),
  source('the shared Perl oracles', sharedPath('oracles'), hasShared('oracles')),
];
