import { examples, wholeNumber, withCommon } from './common.js';
import type { Command } from 'commander';
import type { TestPatchResult } from '../../api/test-patch.js';
import type { CommonOptions, Runner } from '../main.js';
import type { Ui } from '../output.js';

interface TestFlags extends CommonOptions {
  tarball: string;
  timeout?: number;
  keep?: boolean;
  log?: string;
  perl?: string;
  make?: string;
  passEnv: string[];
  fuzz?: number;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function renderTest(r: TestPatchResult, ui: Ui): string {
  const s = ui.style;
  const mark = (ok: boolean | null): string => (ok === null ? s.dim('-') : ok ? s.green('yes') : s.red('NO'));
  const lines = [
    `${r.verdict === 'pass' ? s.green('PASS') : s.red('FAIL')}  ${r.patch.patchId ?? r.patch.path} on ${r.tarball.distribution} ${r.tarball.version}`,
    `  ${'applied'.padEnd(34)} ${r.apply.outcome}`,
  ];
  for (const st of r.steps) {
    const status = st.status === 'ok' ? s.green('ok') : s.red(st.status);
    lines.push(`  ${st.name.padEnd(34)} ${status} ${s.dim(`(${(st.durationMs / 1000).toFixed(1)} s)`)}`);
  }
  lines.push(`  ${'regression test passes after'.padEnd(34)} ${mark(r.regression.passesAfter)}`);
  lines.push(`  ${'regression test fails before'.padEnd(34)} ${mark(r.regression.failsBefore)}`);
  for (const w of r.warnings) lines.push(s.yellow(`  warning: ${w}`));
  lines.push(`  log: ${r.log}`);
  if (r.workDir) lines.push(`  build directories: ${r.workDir}`);
  return `${lines.join('\n')}\n`;
}

export function defineTest(program: Command, run: Runner): void {
  withCommon(
    program
      .command('test')
      .description(
        "build the patched release with real perl: its own tests, then the patch's regression tests (pass after, fail before)",
      )
      .argument('<patch>', 'the patch file')
      .requiredOption('--tarball <file>', 'the release to test on (.tar.gz)')
      .option('--timeout <seconds>', 'time allowed for each step (default 900)', wholeNumber)
      .option('--keep', 'keep the build directories')
      .option('--log <file>', 'write the build log here (default: a new file in the temp folder)')
      .option('--perl <perl>', 'the perl to build with (default: perl on PATH)')
      .option('--make <make>', 'the make program (default: make)')
      .option(
        '--pass-env <name>',
        'pass this environment variable to the build, e.g. PERL5LIB (repeatable)',
        collect,
        [],
      )
      .option('-F, --fuzz <n>', 'context lines that may be ignored when applying', wholeNumber, 0),
  )
    .addHelpText(
      'after',
      examples(
        'cpansec-patch test HTTP-Daemon-CVE-2026-8450.patch --tarball HTTP-Daemon-6.16.tar.gz',
        'cpansec-patch test fix.patch --tarball Foo-1.0.tar.gz --pass-env PERL5LIB --timeout 300 --json',
        "# it runs the distribution's Makefile.PL and tests as you, in a temp dir: only test code you would install",
      ),
    )
    .action(async (patch: string, flags: TestFlags) => {
      await run(
        'test',
        flags,
        async (ui) => {
          const { testPatch } = await import('../../api/test-patch.js');
          return testPatch({
            patch,
            tarball: flags.tarball,
            ...(flags.timeout === undefined ? {} : { timeout: flags.timeout }),
            keep: flags.keep === true,
            ...(flags.log === undefined ? {} : { log: flags.log }),
            ...(flags.perl === undefined ? {} : { perl: flags.perl }),
            ...(flags.make === undefined ? {} : { make: flags.make }),
            passEnv: flags.passEnv,
            ...(flags.fuzz === undefined ? {} : { fuzz: flags.fuzz }),
            onProgress: (m) => ui.note(m),
          });
        },
        renderTest,
      );
    });
}
