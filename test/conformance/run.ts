/**
 * The conformance runner: apply every corpus entry's quilt series with our
 * engine and compare with GNU patch 2.7.6's recorded behaviour.
 *
 *   npx tsx test/conformance/run.ts [--json] [ENTRY...]
 *
 * Prints a table (or one JSON document with --json) and the totals; writes no
 * files (tarballs are unpacked in memory). Exit status: 0 when every
 * disagreement is listed in xfails.json, 1 otherwise, 2 when the corpus is
 * missing. The corpus is found like the tests find it (CPANSEC_SHARED or ../shared).
 */
import { existsSync } from 'node:fs';
import { sharedPath } from '../helpers/shared.js';
import { checkEntry, listEntries } from './corpus.js';
import { loadXfails } from './xfails.js';
import type { EntryVerdict } from './corpus.js';

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const wanted = argv.filter((a) => !a.startsWith('--'));
  const root = sharedPath('corpus');
  if (!existsSync(root)) {
    console.error(`corpus not found at ${root} (set CPANSEC_SHARED)`);
    return 2;
  }
  const all = listEntries(root);
  const unknown = wanted.filter((w) => !all.includes(w));
  if (unknown.length > 0) {
    console.error(`unknown entries: ${unknown.join(', ')}`);
    return 2;
  }
  const entries = wanted.length > 0 ? wanted : all;
  const xfails = loadXfails();
  const started = performance.now();
  const verdicts: EntryVerdict[] = [];
  for (const entry of entries) verdicts.push(await checkEntry(root, entry));
  const ms = performance.now() - started;

  const patches = verdicts.flatMap((v) => v.patches.map((p) => ({ entry: v.entry, ...p })));
  const agreeing = patches.filter((p) => p.agree).length;
  const entriesAgreeing = verdicts.filter((v) => v.agree).length;
  const unexpected = [
    ...patches
      .filter((p) => !p.agree && xfails[`${p.entry}/${p.name}`] === undefined)
      .map((p) => `${p.entry}/${p.name}`),
    ...verdicts.filter((v) => v.treeProblems.length > 0 && xfails[v.entry] === undefined).map((v) => v.entry),
  ];
  const summary = `${agreeing}/${patches.length} patches agree (outcome + bytes); ${entriesAgreeing}/${verdicts.length} entries fully agree; ${ms.toFixed(0)} ms`;

  if (json) {
    process.stdout.write(
      JSON.stringify(
        {
          patches: { agree: agreeing, total: patches.length },
          entries: { agree: entriesAgreeing, total: verdicts.length },
          ms: Math.round(ms),
          unexpected,
          verdicts,
        },
        null,
        1,
      ) + '\n',
    );
  } else {
    const width = Math.max(...entries.map((e) => e.length));
    console.log(`${'entry'.padEnd(width)}  patches  agree  outcomes (ours)                   ms`);
    for (const v of verdicts) {
      const outcomes = v.patches.map((p) => p.actual).join(',');
      const ok = v.patches.filter((p) => p.agree).length;
      const mark = v.agree ? '' : xfails[v.entry] !== undefined ? '  (xfail)' : '  DISAGREES';
      console.log(
        `${v.entry.padEnd(width)}  ${String(v.patches.length).padStart(7)}  ${String(ok).padStart(5)}  ${outcomes.slice(0, 32).padEnd(32)}  ${v.ms.toFixed(0).padStart(5)}${mark}`,
      );
      for (const p of v.patches.filter((q) => !q.agree)) console.log(`    ${p.name}: ${p.problems.join('\n      ')}`);
      for (const t of v.treeProblems) console.log(`    tree: ${t}`);
    }
    console.log(summary);
    if (unexpected.length > 0) console.log(`unexpected disagreements: ${unexpected.join(', ')}`);
  }
  return unexpected.length > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
