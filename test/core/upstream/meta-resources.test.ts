/**
 * Upstream pointers from META, against CPAN::Meta itself: every corpus
 * tarball's META.json (or META.yml when there is none) is read by our
 * parser and by `CPAN::Meta->load_file` (which converts spec 1.4 to 2), and
 * the repository, bugtracker, homepage and authors must agree. Plus the
 * hostile cases: control characters, YAML features we never interpret.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMetaJsonPointers, readMetaYmlPointers } from '../../../src/core/upstream/meta-resources.js';
import { hasShared, sharedPath } from '../../helpers/shared.js';
import { tempDir } from '../../helpers/tmp.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('readMetaJsonPointers', () => {
  it('reads spec 2 resources and authors', () => {
    const p = readMetaJsonPointers(
      enc(
        JSON.stringify({
          name: 'HTTP-Daemon',
          version: '6.16',
          author: ['Gisle Aas <gisle@activestate.com>'],
          resources: {
            repository: {
              type: 'git',
              url: 'https://github.com/libwww-perl/HTTP-Daemon.git',
              web: 'https://github.com/libwww-perl/HTTP-Daemon',
            },
            bugtracker: {
              web: 'https://github.com/libwww-perl/HTTP-Daemon/issues',
              mailto: 'bug-HTTP-Daemon@rt.cpan.org',
            },
            homepage: 'https://metacpan.org/release/HTTP-Daemon',
          },
        }),
      ),
    );
    expect(p).toEqual({
      source: 'META.json',
      name: 'HTTP-Daemon',
      version: '6.16',
      repository: {
        type: 'git',
        url: 'https://github.com/libwww-perl/HTTP-Daemon.git',
        web: 'https://github.com/libwww-perl/HTTP-Daemon',
      },
      bugtracker: { web: 'https://github.com/libwww-perl/HTTP-Daemon/issues', mailto: 'bug-HTTP-Daemon@rt.cpan.org' },
      homepage: 'https://metacpan.org/release/HTTP-Daemon',
      authors: ['Gisle Aas <gisle@activestate.com>'],
    });
  });

  it('drops values with line breaks or control characters (a header injection in waiting)', () => {
    const p = readMetaJsonPointers(
      enc(
        JSON.stringify({
          author: ['A <a@example.org>\nBcc: victim@example.org'],
          resources: { bugtracker: { mailto: 'x@y.org\r\nX: 1' } },
        }),
      ),
    );
    expect(p.authors).toEqual([]);
    expect(p.bugtracker).toEqual({});
  });

  it('refuses what is not a JSON object: METADATA_INVALID', () => {
    expect(() => readMetaJsonPointers(enc('[1,2]'))).toThrowCode('METADATA_INVALID');
    expect(() => readMetaJsonPointers(enc('{'))).toThrowCode('METADATA_INVALID');
    expect(() => readMetaJsonPointers(new Uint8Array([0xff, 0xfe]))).toThrowCode('METADATA_INVALID');
  });
});

describe('readMetaYmlPointers', () => {
  it('reads spec 1.4 (URLs as plain strings) and a quoted author list', () => {
    const p = readMetaYmlPointers(
      enc(
        [
          '---',
          "abstract: 'A simple http server class'",
          'author:',
          "  - 'Gisle Aas <gisle@activestate.com>'",
          '  - "O\'Brien <ob@example.org>"',
          'name: HTTP-Daemon',
          'resources:',
          '  IRC: irc://irc.perl.org/#lwp',
          '  bugtracker: https://github.com/libwww-perl/HTTP-Daemon/issues',
          '  repository: https://github.com/libwww-perl/HTTP-Daemon.git # the clone URL',
          "version: '6.16'",
          '',
        ].join('\n'),
      ),
    );
    expect(p).toMatchObject({
      name: 'HTTP-Daemon',
      version: '6.16',
      authors: ['Gisle Aas <gisle@activestate.com>', "O'Brien <ob@example.org>"],
      repository: { url: 'https://github.com/libwww-perl/HTTP-Daemon.git' },
      bugtracker: { web: 'https://github.com/libwww-perl/HTTP-Daemon/issues' },
    });
  });

  it('reads spec-2 style maps below resources', () => {
    const p = readMetaYmlPointers(
      enc(
        [
          'resources:',
          '  repository:',
          '    type: git',
          '    url: git://github.com/o/r.git',
          '    web: https://github.com/o/r',
          '  bugtracker:',
          '    mailto: bug-R@rt.cpan.org',
          'author: Jane <j@example.org>',
        ].join('\n'),
      ),
    );
    expect(p.repository).toEqual({ type: 'git', url: 'git://github.com/o/r.git', web: 'https://github.com/o/r' });
    expect(p.bugtracker).toEqual({ mailto: 'bug-R@rt.cpan.org' });
    expect(p.authors).toEqual(['Jane <j@example.org>']);
  });

  it('never interprets anchors, aliases, tags or flow collections', () => {
    const p = readMetaYmlPointers(
      enc(
        [
          'author: &a [x]',
          'resources:',
          '  repository: *a',
          '  homepage: !!python/object x',
          '  bugtracker: {web: x}',
        ].join('\n'),
      ),
    );
    expect(p.authors).toEqual([]);
    expect(p.repository).toEqual({});
    expect(p.homepage).toBeUndefined();
    expect(p.bugtracker).toEqual({});
  });
});

const perlHasCpanMeta = spawnSync('perl', ['-MCPAN::Meta', '-MJSON::PP', '-e1']).status === 0;

describe.skipIf(!hasShared('corpus') || !perlHasCpanMeta)('against CPAN::Meta on every corpus tarball', () => {
  it('agrees on repository, bugtracker, homepage and authors', () => {
    const dir = tempDir();
    const seen = new Set<string>();
    const files: { name: string; path: string; kind: 'json' | 'yml' }[] = [];
    for (const entry of readdirSync(sharedPath('corpus'))) {
      let tarballs: string[];
      try {
        tarballs = readdirSync(sharedPath('corpus', entry)).filter((n) => n.endsWith('.tar.gz'));
      } catch {
        continue;
      }
      for (const t of tarballs) {
        if (seen.has(t)) continue;
        seen.add(t);
        const listing = execFileSync('tar', ['tzf', sharedPath('corpus', entry, t)], { encoding: 'utf8' }).split('\n');
        const json = listing.find((l) => /^[^/]+\/META\.json$/.test(l));
        const yml = listing.find((l) => /^[^/]+\/META\.yml$/.test(l));
        const member = json ?? yml;
        if (member === undefined) continue;
        const out = join(dir, `${basename(t, '.tar.gz')}.${json ? 'json' : 'yml'}`);
        mkdirSync(dir, { recursive: true });
        writeFileSync(out, execFileSync('tar', ['xzf', sharedPath('corpus', entry, t), '-O', member]));
        files.push({ name: t, path: out, kind: json ? 'json' : 'yml' });
      }
    }
    expect(files.length).toBeGreaterThan(30);
    const script = [
      'use CPAN::Meta; use JSON::PP;',
      'my $js = JSON::PP->new->canonical->utf8;',
      'for my $f (@ARGV) {',
      '  my $m = eval { CPAN::Meta->load_file($f, { lazy_validation => 1 }) };',
      '  print $js->encode($m ? { r => $m->resources, a => [ $m->authors ] } : { error => "$@" }), "\\n";',
      '}',
    ].join('\n');
    const lines = execFileSync('perl', ['-e', script, ...files.map((f) => f.path)], { encoding: 'utf8' })
      .trim()
      .split('\n');
    let compared = 0;
    files.forEach((f, i) => {
      const oracle = JSON.parse(lines[i] as string) as {
        error?: string;
        r?: { repository?: Record<string, string>; bugtracker?: Record<string, string>; homepage?: string };
        a?: string[];
      };
      if (oracle.error !== undefined) return;
      const bytes = readFileSync(f.path);
      const ours = f.kind === 'json' ? readMetaJsonPointers(bytes) : readMetaYmlPointers(bytes);
      const pick = (o: Record<string, string> | undefined, keys: string[]): Record<string, string> =>
        Object.fromEntries(keys.filter((k) => o?.[k] !== undefined && o[k] !== '').map((k) => [k, o?.[k] as string]));
      // (CPAN::Meta also guesses a missing repository type from the URL; we do not need the type.)
      const { type: _type, ...repository } = ours.repository;
      expect({
        name: f.name,
        repository,
        bugtracker: ours.bugtracker,
        homepage: ours.homepage,
        authors: ours.authors,
      }).toEqual({
        name: f.name,
        repository: pick(oracle.r?.repository, ['url', 'web']),
        bugtracker: pick(oracle.r?.bugtracker, ['web', 'mailto']),
        homepage: oracle.r?.homepage,
        // CPAN::Meta::Converter writes "unknown" for a missing or empty author list.
        authors: (oracle.a ?? []).filter((a) => a !== '' && a !== 'unknown'),
      });
      compared++;
    });
    expect(compared).toBeGreaterThan(30);
  });
});
