import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planPatch } from '../../../src/core/patch/apply.js';
import { parseDiff } from '../../../src/core/patch/parse.js';
import { parseShebang, rebaseShebang } from '../../../src/core/tree/shebang.js';
import { tempDir } from '../../helpers/tmp.js';

const PATCH = [
  '--- a/script/tiny',
  '+++ b/script/tiny',
  '@@ -1,3 +1,4 @@',
  '-#!perl',
  '+#!perl -T',
  ' use strict;',
  '+use warnings;',
  ' print "hi\\n";',
  '',
].join('\n');

function planOn(installed: string, patch = PATCH) {
  const diff = parseDiff(patch);
  const files = new Map([['script/tiny', { content: installed }]]);
  const section = diff.files[0];
  if (section === undefined) throw new Error('no section');
  const first = installed.slice(0, installed.indexOf('\n'));
  return planPatch({ ...diff, files: [rebaseShebang(section, first)] }, files);
}

describe('parseShebang', () => {
  it('splits interpreter and switches, with env as part of the interpreter', () => {
    expect(parseShebang('#!/usr/bin/perl -w')).toEqual({ interpreter: '/usr/bin/perl', args: ' -w' });
    expect(parseShebang('#!/usr/bin/env perl -T')).toEqual({ interpreter: '/usr/bin/env perl', args: ' -T' });
    expect(parseShebang('use strict;')).toBeUndefined();
  });
});

describe('rebaseShebang', () => {
  // What ExtUtils::MakeMaker's fixin makes of "#!perl" on this machine, with PERL_MM_SHEBANG=relocatable, and under perlbrew.
  for (const installed of [
    '#!/usr/bin/perl',
    '#!/usr/bin/env perl',
    '#!/home/u/perl5/perlbrew/perls/perl-5.38.0/bin/perl',
  ]) {
    it(`applies a hunk at line 1 to a script installed with ${installed}`, () => {
      const plan = planOn(`${installed}\nuse strict;\nprint "hi\\n";\n`);
      expect(plan.outcome).toBe('clean');
      expect(plan.changes.get('script/tiny')?.content).toBe(
        `${installed} -T\nuse strict;\nuse warnings;\nprint "hi\\n";\n`,
      );
    });
  }

  it('without rebasing, the same hunk fails (the reason rebasing exists)', () => {
    const diff = parseDiff(PATCH);
    const plan = planPatch(
      diff,
      new Map([['script/tiny', { content: '#!/usr/bin/perl\nuse strict;\nprint "hi\\n";\n' }]]),
    );
    expect(plan.outcome).toBe('fail');
  });

  it('leaves hunks below line 1, and non-perl first lines, alone', () => {
    const diff = parseDiff('--- a/s\n+++ b/s\n@@ -5,1 +5,1 @@\n-a\n+b\n');
    const section = diff.files[0];
    if (section === undefined) throw new Error('no section');
    expect(rebaseShebang(section, '#!/usr/bin/perl')).toBe(section);
    const top = parseDiff(PATCH).files[0];
    if (top === undefined) throw new Error('no section');
    expect(rebaseShebang(top, '#!/bin/sh')).toBe(top);
  });

  it.skipIf(spawnSync('patch', ['--version']).status !== 0)(
    'gives what GNU patch gives on the dist file, with the installed shebang put back',
    () => {
      const dir = tempDir();
      mkdirSync(join(dir, 'script'));
      writeFileSync(join(dir, 'script', 'tiny'), '#!perl\nuse strict;\nprint "hi\\n";\n');
      expect(spawnSync('patch', ['-s', '-p1'], { cwd: dir, input: PATCH }).status).toBe(0);
      const gnu = readFileSync(join(dir, 'script', 'tiny'), 'latin1').replace(/^#!perl/, '#!/usr/bin/perl');
      expect(planOn('#!/usr/bin/perl\nuse strict;\nprint "hi\\n";\n').changes.get('script/tiny')?.content).toBe(gnu);
    },
  );
});
