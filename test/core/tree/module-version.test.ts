/**
 * $VERSION read statically, checked against ExtUtils::MakeMaker's
 * parse_version (which evaluates the line) on the same sources: where we
 * report a version, it is the one MakeMaker computes.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractModuleVersion } from '../../../src/core/tree/module-version.js';
import { tempDir } from '../../helpers/tmp.js';

const CASES: [string, string, string | undefined][] = [
  ['our, single quotes', "package Foo;\nour $VERSION = '6.16';\n1;\n", '6.16'],
  ['trailing zeros kept', "package Foo;\nour $VERSION = '0.010';\n", '0.010'],
  ['bare number', 'package Foo;\n$VERSION = 1.23;\n', '1.23'],
  ['dotted, double quotes', 'package Foo;\nour $VERSION = "v1.2.3";\n', 'v1.2.3'],
  [
    'chained (DBI 1.643)',
    'package DBI;\nour $XS_VERSION = our $VERSION = "1.643"; # comment\n$VERSION = eval $VERSION;\n',
    '1.643',
  ],
  ['version->declare', "package Foo;\nuse version; our $VERSION = version->declare('v2.0.1');\n", 'v2.0.1'],
  ['qv()', 'package Foo;\nuse version; our $VERSION = qv("1.2.3");\n', '1.2.3'],
  ['package NAME VERSION', 'package Foo::Bar 1.05;\n1;\n', '1.05'],
  ['package block', 'package Foo::Bar v0.1.2 {\n}\n', 'v0.1.2'],
  ['fully qualified', "package Foo;\n$Foo::VERSION = '3.000003';\n", '3.000003'],
  [
    'after POD with a fake version',
    "=head1 X\n\n$VERSION = '9.99';\n\n=cut\n\npackage Foo;\nour $VERSION = '1.0';\n",
    '1.0',
  ],
  ['underscore kept as written', "package Foo;\nour $VERSION = '1.02_01';\n", '1.02_01'],
];

const DYNAMIC: [string, string][] = [
  ['CVS keyword', "package Foo;\n$VERSION = sprintf '%d.%02d', q$Revision: 1.5 $ =~ /(\\d+)\\.(\\d+)/;\n"],
  ['from another variable', 'package Foo;\nour $VERSION = $Other::VERSION;\n'],
];

function makeMakerVersion(dir: string, text: string): string {
  const file = join(dir, `m${Math.random().toString(36).slice(2)}.pm`);
  writeFileSync(file, text);
  const r = spawnSync('perl', ['-MExtUtils::MakeMaker', '-le', 'print MM->parse_version(shift)', file], {
    encoding: 'utf8',
  });
  return r.stdout.trim();
}

const hasPerl = spawnSync('perl', ['-MExtUtils::MakeMaker', '-e1']).status === 0;
if (!hasPerl) console.warn('skipping the MakeMaker comparison: perl with ExtUtils::MakeMaker not found');

describe('extractModuleVersion', () => {
  for (const [name, text, want] of CASES) {
    it(`reads ${name}`, () => {
      expect(extractModuleVersion(text).version).toBe(want);
    });
  }

  it.skipIf(!hasPerl)('agrees with MakeMaker parse_version wherever it reports a version', () => {
    const dir = tempDir();
    for (const [name, text, want] of CASES) {
      const mm = makeMakerVersion(dir, text);
      // MakeMaker evaluates: "1.23" for 1.23, and version objects stringify without quotes.
      expect(mm, name).toBe(want);
    }
  });

  for (const [name, text] of DYNAMIC) {
    it(`reports ${name} as dynamic instead of running it`, () => {
      expect(extractModuleVersion(text)).toMatchObject({ reason: 'dynamic', package: 'Foo' });
    });
  }

  it('says none when there is no $VERSION, and ignores code after __END__', () => {
    expect(extractModuleVersion("package Foo;\n1;\n__END__\nour $VERSION = '2';\n")).toEqual({
      reason: 'none',
      package: 'Foo',
    });
  });

  it('does not read a version from a line cut by the read limit', () => {
    expect(extractModuleVersion("package Foo;\nour $VERSION = '1.2", false).version).toBeUndefined();
  });
});
