import { InvalidArgumentError } from 'commander';
import { examples, withCommon } from './common.js';
import type { Command } from 'commander';
import type { DiffResult } from '../../api/diff.js';
import type { CommonOptions, Runner } from '../main.js';
import type { Ui } from '../output.js';

interface DiffFlags extends CommonOptions {
  workspace?: string;
  out?: string;
  draft?: boolean;
  set: [string, string][];
  dryRun?: boolean;
}

function fieldValue(value: string, previous: [string, string][]): [string, string][] {
  const m = /^([A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*)=(.*)$/s.exec(value);
  if (!m) throw new InvalidArgumentError('expected Field=Value, e.g. CVE=CVE-2026-8450');
  return [...previous, [m[1] as string, (m[2] as string).replace(/\\n/g, '\n')]];
}

export function renderDiff(r: DiffResult, ui: Ui): string {
  const s = ui.style;
  const lines = [
    r.written ? s.green(`wrote ${r.path}${r.draft ? ' (draft)' : ''}`) : `would write ${r.path}`,
    `  ${s.dim('patch id'.padEnd(10))} ${r.patchId ?? '[TODO]'}`,
    `  ${s.dim('release'.padEnd(10))} ${r.distribution} ${r.version}`,
  ];
  for (const f of r.files)
    lines.push(
      `  ${f.path}  ${s.green(`+${f.insertions}`)} ${s.red(`-${f.deletions}`)}${f.change === 'modified' ? '' : s.dim(` (${f.change})`)}`,
    );
  if (r.todo.length > 0) lines.push(s.yellow(`still to fill: ${r.todo.join(', ')}`));
  for (const p of r.problems.filter((q) => !q.message.startsWith('still to fill'))) {
    lines.push(`${p.severity === 'error' ? s.red('error') : s.yellow('warning')}: line ${p.line || '-'}: ${p.message}`);
  }
  if (r.replaced) lines.push(s.dim(`(replaces ${r.replaced})`));
  return `${lines.join('\n')}\n`;
}

export function defineDiff(program: Command, run: Runner): void {
  withCommon(
    program
      .command('diff')
      .description(
        'write the patch file of a workspace: its changes under a prefilled header ([TODO] where you must fill in)',
      )
      .option('--workspace <dir>', 'the workspace (default: the current directory)')
      .option('-o, --out <file>', 'the patch file (default: <Patch-Id>.patch beside the workspace)')
      .option('--draft', 'write it even with [TODO] marks or header errors left')
      .option('--set <field=value>', 'set a header field (repeatable; "\\n" starts a new line)', fieldValue, [])
      .option('-n, --dry-run', 'check and report; write nothing'),
  )
    .addHelpText(
      'after',
      examples(
        'cpansec-patch diff --workspace HTTP-Daemon-6.16 --draft',
        'cpansec-patch diff --set CVE=CVE-2026-8450 --set Severity=critical --set Forwarded=no',
        'cpansec-patch diff --workspace HTTP-Daemon-6.16 --json',
      ),
    )
    .action(async (flags: DiffFlags) => {
      await run(
        'diff',
        flags,
        async () => {
          const { diffPatch } = await import('../../api/diff.js');
          return diffPatch({
            ...(flags.workspace === undefined ? {} : { workspace: flags.workspace }),
            ...(flags.out === undefined ? {} : { out: flags.out }),
            draft: flags.draft === true,
            set: flags.set,
            dryRun: flags.dryRun === true,
          });
        },
        renderDiff,
      );
    });
}
