/**
 * Steps of `test`: real programs, argv only, a scrubbed environment, a
 * timeout that takes the whole process group, and a log that keeps
 * everything.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BuildLog } from '../../src/perl/log.js';
import { buildEnv, runStep } from '../../src/perl/run.js';
import { proveArgv } from '../../src/perl/build.js';
import { tempDir } from '../helpers/tmp.js';

function setup() {
  const dir = tempDir();
  const log = new BuildLog(join(dir, 'build.log'));
  const env = buildEnv(
    { PATH: process.env['PATH'], PERL5LIB: '/evil', PERL5OPT: '-Mevil', SECRET: 'x' },
    { home: dir, tmp: dir },
  );
  return { dir, log, env };
}

describe('buildEnv', () => {
  it('keeps PATH and what is passed by name, drops PERL5LIB/PERL5OPT and everything else, and points HOME and TMPDIR inside', () => {
    const env = buildEnv(
      { PATH: '/bin', PERL5LIB: '/x', PERL5OPT: '-d', HOME: '/root', TOKEN: 't' },
      { home: '/t/h', tmp: '/t/t' },
    );
    expect(env).toMatchObject({ PATH: '/bin', HOME: '/t/h', TMPDIR: '/t/t', PERL_MM_USE_DEFAULT: '1', LC_ALL: 'C' });
    expect(env).not.toHaveProperty('PERL5LIB');
    expect(env).not.toHaveProperty('PERL5OPT');
    expect(env).not.toHaveProperty('TOKEN');
    expect(buildEnv({ PERL5LIB: '/x' }, { home: 'h', tmp: 't' }, ['PERL5LIB'])).toMatchObject({ PERL5LIB: '/x' });
  });
});

describe('runStep', () => {
  it('runs an argv (no shell), in the given directory, with the scrubbed environment, and logs the output', async () => {
    const { dir, log, env } = setup();
    const r = await runStep({
      name: 'probe',
      argv: [
        'perl',
        '-e',
        'print "cwd=", $ENV{PWD} // "", " lib=", $ENV{PERL5LIB} // "none", " arg=$ARGV[0]\\n"',
        '$(touch x); echo',
      ],
      cwd: dir,
      cwdLabel: 'here',
      env,
      timeoutMs: 30_000,
      log,
    });
    log.close();
    expect(r).toMatchObject({ status: 'ok', exitCode: 0, cwd: 'here' });
    expect(r.tail.join('\n')).toContain('lib=none arg=$(touch x); echo');
    expect(existsSync(join(dir, 'x'))).toBe(false);
    expect(readFileSync(join(dir, 'build.log'), 'utf8')).toContain('=== probe: perl -e');
  });

  it('reports a failing program as failed, with its exit code', async () => {
    const { dir, log, env } = setup();
    const r = await runStep({
      name: 'fail',
      argv: ['perl', '-e', 'exit 3'],
      cwd: dir,
      cwdLabel: '.',
      env,
      timeoutMs: 30_000,
      log,
    });
    expect(r).toMatchObject({ status: 'failed', exitCode: 3 });
  });

  it('kills the whole process group on timeout, children included', async () => {
    const { dir, log, env } = setup();
    const marker = join(dir, 'child-survived');
    const started = Date.now();
    const r = await runStep({
      name: 'hang',
      argv: ['perl', '-e', `if (fork) { sleep 60 } else { sleep 3; open my $f, '>', '${marker}'; }`],
      cwd: dir,
      cwdLabel: '.',
      env,
      timeoutMs: 500,
      log,
    });
    expect(r.status).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(10_000);
    await new Promise((resolve) => setTimeout(resolve, 3500));
    expect(existsSync(marker)).toBe(false);
  });

  it('fails with TOOL_FAILED when the program is not installed', async () => {
    const { dir, log, env } = setup();
    await expect(
      runStep({ name: 'x', argv: ['no-such-program-cpansec'], cwd: dir, cwdLabel: '.', env, timeoutMs: 1000, log }),
    ).toRejectWithCode('TOOL_FAILED');
  });
});

describe('build helpers', () => {
  it('runs prove through the same perl, -b, with the files after "--"', () => {
    expect(proveArgv({ perl: '/usr/bin/perl', make: 'make' }, ['t/x.t'])).toEqual([
      '/usr/bin/perl',
      '-e',
      expect.stringContaining('App::Prove'),
      '--',
      '-b',
      '-v',
      't/x.t',
    ]);
  });
});
