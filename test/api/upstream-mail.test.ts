/**
 * upstreamMail: the mbox is addressed from META (the release tarball read
 * through a loopback mirror, or --tarball), `git am` applies it to the
 * release, and mail goes out only through a configured sendmail command — a
 * fake one here, which records its arguments and each message it reads.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { upstreamMail } from '../../src/api/upstream-mail.js';
import { buildMirror, serveMirror } from '../helpers/mirror.js';
import { hasShared } from '../helpers/shared.js';
import { tempDir } from '../helpers/tmp.js';
import { FIXTURE, NOW, PATCH_ID, TARBALL, buildPatchRepository } from '../helpers/upstream-world.js';

function fakeSendmail(): { command: string; dir: string } {
  const dir = tempDir('cpansec-sendmail-');
  const script = join(dir, 'sendmail');
  writeFileSync(
    script,
    `#!/bin/sh\nn=$(ls ${dir}/out | wc -l)\n{ printf 'ARGS:'; for a in "$@"; do printf ' [%s]' "$a"; done; printf '\\n'; cat; } > ${dir}/out/msg-$n.txt\n`,
  );
  chmodSync(script, 0o755);
  mkdirSync(join(dir, 'out'));
  return { command: `${script} -oi`, dir: join(dir, 'out') };
}

/** A tiny tarball whose META.json names a (harvester-proofed) bug tracker address. */
function tarballWithMailto(): string {
  const dir = tempDir();
  const top = join(dir, 'HTTP-Daemon-6.16');
  mkdirSync(top);
  writeFileSync(
    join(top, 'META.json'),
    JSON.stringify({
      name: 'HTTP-Daemon',
      version: '6.16',
      author: ['Gisle Aas <gisle@activestate.com>'],
      resources: { bugtracker: { mailto: 'bug-HTTP-Daemon [at] rt.cpan.org' } },
    }),
  );
  execFileSync('tar', ['czf', join(dir, 'HTTP-Daemon-6.16.tar.gz'), '-C', dir, 'HTTP-Daemon-6.16']);
  return join(dir, 'HTTP-Daemon-6.16.tar.gz');
}

describe.skipIf(!hasShared('corpus', 'HTTP-Daemon-6.16'))('upstreamMail', () => {
  it('writes a format-patch mbox to META author, Cc the uploader, that git am applies; sends nothing by default', async () => {
    const repo = await buildPatchRepository(readFileSync(FIXTURE, 'utf8'));
    const root = tempDir('cpansec-mirror-');
    buildMirror(root, [
      { path: 'O/OA/OALDERS/HTTP-Daemon-6.16.tar.gz', source: TARBALL, packages: [['HTTP::Daemon', '6.16']] },
    ]);
    const mirror = await serveMirror(root);
    const out = join(tempDir(), 'fix.mbox');
    const r = await upstreamMail({
      patch: PATCH_ID,
      repo: repo.dir,
      mirror: mirror.url,
      cache: join(tempDir(), 'cache'),
      from: 'CPANSec Tester <tester@example.org>',
      out,
      now: NOW,
      env: { PATH: process.env['PATH'] ?? '' },
    });
    expect(r).toMatchObject({
      to: ['Gisle Aas <gisle@activestate.com>'],
      cc: ['oalders@cpan.org'],
      recipients: 'META author',
      sent: null,
      messages: [
        '[PATCH 0/1] HTTP-Daemon: security fix for CVE-2026-8450, CPANSA-HTTP-Daemon-2026-01',
        '[PATCH 1/1] send_file() no longer runs commands hidden in file names (CVE-2026-8450)',
      ],
    });
    const text = readFileSync(out, 'utf8');
    expect(text.startsWith('From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n')).toBe(true);
    expect(text).toContain('Date: Tue, 1 Dec 2026 12:00:00 +0000\n');
    expect(text).toContain('\nFrom: Olaf Alders <olaf@wundersolutions.com>\n\n');
    expect(text).toContain('How to test:       prove -lv t/send-file-magic-open.t');

    // git am applies the patch mail to the release, authored by the patch's Author.
    const work = join(tempDir(), 'w');
    mkdirSync(work);
    execFileSync('tar', ['xzf', TARBALL, '-C', work, '--strip-components=1']);
    const env = {
      ...process.env,
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.org',
    };
    for (const args of [
      ['init', '-q'],
      ['add', '-A'],
      ['-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '-qm', '6.16'],
    ]) {
      execFileSync('git', args, { cwd: work, env });
    }
    const patchOnly = text.slice(text.indexOf('From 0000', 10));
    execFileSync('git', ['am', '-q'], { cwd: work, env, input: patchOnly });
    expect(execFileSync('git', ['log', '-1', '--format=%an <%ae>|%s'], { cwd: work, encoding: 'utf8' }).trim()).toBe(
      'Olaf Alders <olaf@wundersolutions.com>|send_file() no longer runs commands hidden in file names (CVE-2026-8450)',
    );
    expect(readFileSync(join(work, 'lib', 'HTTP', 'Daemon.pm'), 'utf8')).toContain("open(my $fh, '<', $file)");
  });

  it('sends through the configured sendmail, one message per run, recipients after -i; records Forwarded', async () => {
    const repo = await buildPatchRepository(readFileSync(FIXTURE, 'utf8'));
    const sendmail = fakeSendmail();
    const r = await upstreamMail({
      patch: PATCH_ID,
      repo: repo.dir,
      tarball: tarballWithMailto(),
      from: 'CPANSec Tester <tester@example.org>',
      out: join(tempDir(), 'x.mbox'),
      sendmail: sendmail.command,
      key: repo.keyFile,
      now: NOW,
      env: { PATH: process.env['PATH'] ?? '' },
    });
    expect(r).toMatchObject({
      to: ['bug-HTTP-Daemon@rt.cpan.org'],
      cc: ['Gisle Aas <gisle@activestate.com>'],
      recipients: 'META resources.bugtracker.mailto',
      tracking: { recorded: true, changed: ['Forwarded', 'Upstream-Status'] },
    });
    expect(r.sent).toHaveLength(2);
    const runs = readdirSync(sendmail.dir)
      .sort()
      .map((f) => readFileSync(join(sendmail.dir, f), 'utf8'));
    expect(runs).toHaveLength(2);
    for (const run of runs) {
      expect(run.split('\n')[0]).toBe('ARGS: [-oi] [-i] [bug-HTTP-Daemon@rt.cpan.org] [gisle@activestate.com]');
      expect(run.split('\n')[1]).toBe('From: CPANSec Tester <tester@example.org>');
    }
    expect(runs[1]).toContain('diff --git a/lib/HTTP/Daemon.pm b/lib/HTTP/Daemon.pm');
    expect(readFileSync(repo.patchFile, 'utf8')).toContain('Forwarded: mailto:bug-HTTP-Daemon@rt.cpan.org\n');
  });

  it('refuses an address with a line break (header injection): METADATA_INVALID, nothing written', async () => {
    const repo = await buildPatchRepository(readFileSync(FIXTURE, 'utf8'));
    const out = join(tempDir(), 'x.mbox');
    await expect(
      upstreamMail({
        patch: PATCH_ID,
        repo: repo.dir,
        to: ['a@example.org\nBcc: victim@example.org'],
        from: 'T <t@example.org>',
        out,
      }),
    ).rejects.toMatchObject({ code: 'METADATA_INVALID' });
    await expect(
      upstreamMail({ patch: PATCH_ID, repo: repo.dir, to: ['-oQ/tmp/x@example.org'], from: 'T <t@example.org>', out }),
    ).rejects.toMatchObject({ code: 'METADATA_INVALID' });
    expect(() => readFileSync(out)).toThrow();
  });
});
