/**
 * `apply --tree` as a process, for the crash tests and the stress script,
 * until the lead wires --tree into the CLI's apply command: runs
 * applyPatchesToTree from the built dist/ and behaves like the CLI (one JSON
 * document on stdout, the CLI's exit codes).
 *
 *   node test/helpers/tree-apply.mjs --tree DIR --patch FILE [--patch FILE] [--allow-unsigned]
 *        [--dist NAME] [--key FILE] [--wait SECONDS] [--dry-run] [--fuzz N]
 *        [--repo SRC] [--cache DIR] [--trust-root FILE] [--offline]   (no --patch: patches from the repository)
 */
import { applyPatchesToTree } from '../../dist/api/apply-tree.js';

const args = process.argv.slice(2);
const options = { patches: [], keys: [] };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  const next = () => args[++i];
  if (a === '--tree') options.tree = next();
  else if (a === '--patch') options.patches.push(next());
  else if (a === '--key') options.keys.push(next());
  else if (a === '--allow-unsigned') options.allowUnsigned = true;
  else if (a === '--dist') options.dist = next();
  else if (a === '--wait') options.waitMs = Number(next()) * 1000;
  else if (a === '--dry-run') options.dryRun = true;
  else if (a === '--fuzz') options.fuzz = Number(next());
  else if (a === '--repo') options.repo = { ...options.repo, repo: next() };
  else if (a === '--cache') options.repo = { ...options.repo, cache: next() };
  else if (a === '--trust-root') options.repo = { ...options.repo, trustRoot: next() };
  else if (a === '--offline') options.repo = { ...options.repo, offline: true };
  else {
    console.error(`unknown argument ${a}`);
    process.exit(2);
  }
}
try {
  const result = await applyPatchesToTree(options);
  process.stdout.write(`${JSON.stringify({ ok: true, command: 'apply', result })}\n`);
} catch (err) {
  const e =
    typeof err?.toJSON === 'function'
      ? err.toJSON()
      : { code: 'INTERNAL', exitCode: 1, message: String(err?.stack ?? err) };
  process.stdout.write(`${JSON.stringify({ ok: false, command: 'apply', error: e })}\n`);
  process.exitCode = e.exitCode ?? 1;
}
