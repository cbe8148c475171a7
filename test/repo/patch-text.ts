/** A valid test patch in our format (header + a one-line diff); never a real advisory. */
export function patchText(dist: string, id: string, n: number, affected = '< 2.0'): string {
  return [
    `Patch-Id: ${id}`,
    `Distribution: ${dist}`,
    `Affected-Versions: ${affected}`,
    'Fixed-Versions: 2.0',
    'Verified-Versions: 1.5',
    `CVE: CVE-2099-${String(1000 + n)}`,
    'Severity: medium',
    `Description: test patch ${n} for ${dist}`,
    ' A made-up fix for the repository tests.',
    'Author: cpansec-patch tests <tests@example.org>',
    'Forwarded: no',
    'Last-Update: 2026-11-25',
    '',
    `diff --git a/lib/X${n}.pm b/lib/X${n}.pm`,
    `--- a/lib/X${n}.pm`,
    `+++ b/lib/X${n}.pm`,
    '@@ -1,3 +1,3 @@',
    ` package X${n};`,
    `-our $VERSION = '1.5';`,
    `+our $VERSION = '1.5_0${n}';`,
    ' 1;',
    '',
  ].join('\n');
}
