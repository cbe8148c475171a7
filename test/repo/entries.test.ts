/**
 * Reading patch entries and revocations out of signed targets metadata, and
 * choosing the patches for a distribution and version (src/repo/entries.ts).
 */
import { describe, expect, it } from 'vitest';
import { formatPatchCustom, readEntries, selectPatches } from '../../src/repo/entries.js';
import type { TargetsSigned } from '../../src/repo/tuf-model.js';

const SHA = 'a'.repeat(64);

function targets(
  entries: { dist: string; id: string; affected?: string; fixed?: string[]; upstream?: string }[],
  extra: Record<string, unknown> = {},
): TargetsSigned {
  const map: TargetsSigned['targets'] = {};
  for (const e of entries) {
    map[`${e.dist}/${e.id}.patch`] = {
      length: 10,
      hashes: { sha256: SHA },
      custom: formatPatchCustom({
        patchId: e.id,
        distribution: e.dist,
        affectedVersions: e.affected ?? '< 2.0',
        fixedVersions: e.fixed ?? [],
        cve: ['CVE-2099-1234'],
        cpansa: [],
        severity: 'high',
        ...(e.upstream === undefined ? {} : { appliedUpstream: e.upstream }),
        revision: 1,
        sha256: SHA,
        signer: '1C21C587120F54B3',
      }),
    };
    map[`${e.dist}/${e.id}.patch.minisig`] = {
      length: 5,
      hashes: { sha256: SHA },
      custom: { kind: 'signature', patchId: e.id },
    };
  }
  return {
    _type: 'targets',
    spec_version: '1.0.31',
    version: 1,
    expires: '2030-01-01T00:00:00Z',
    targets: map,
    ...extra,
  } as TargetsSigned;
}

describe('readEntries', () => {
  it('reads each patch with its signature target', () => {
    const { entries, revoked } = readEntries(targets([{ dist: 'Foo-Bar', id: 'Foo-Bar-CVE-2099-1234' }]));
    expect(entries).toEqual([
      expect.objectContaining({
        patchId: 'Foo-Bar-CVE-2099-1234',
        distribution: 'Foo-Bar',
        signaturePath: 'Foo-Bar/Foo-Bar-CVE-2099-1234.patch.minisig',
      }),
    ]);
    expect(revoked).toEqual([]);
  });

  it.each([
    [
      'a path outside <Dist>/<Id>.patch',
      (t: TargetsSigned) =>
        void (t.targets['../evil.patch'] = t.targets['Foo-Bar/Foo-Bar-CVE-2099-1234.patch'] as never),
    ],
    [
      'a stray target',
      (t: TargetsSigned) => void (t.targets['Foo-Bar/README'] = { length: 1, hashes: { sha256: SHA } }),
    ],
    [
      'a patch without its .minisig',
      (t: TargetsSigned) => void delete t.targets['Foo-Bar/Foo-Bar-CVE-2099-1234.patch.minisig'],
    ],
    [
      'custom naming another distribution',
      (t: TargetsSigned) =>
        void ((t.targets['Foo-Bar/Foo-Bar-CVE-2099-1234.patch']?.custom as Record<string, unknown>)['distribution'] =
          'Other'),
    ],
    [
      'custom.sha256 differing from the hash',
      (t: TargetsSigned) =>
        void ((t.targets['Foo-Bar/Foo-Bar-CVE-2099-1234.patch']?.custom as Record<string, unknown>)['sha256'] =
          'b'.repeat(64)),
    ],
    [
      'an unparsable Affected-Versions',
      (t: TargetsSigned) =>
        void ((t.targets['Foo-Bar/Foo-Bar-CVE-2099-1234.patch']?.custom as Record<string, unknown>)[
          'affectedVersions'
        ] = '> 2, < 1 ,,'),
    ],
    [
      'a patch both listed and revoked',
      (t: TargetsSigned) =>
        void Object.assign(t, {
          'x-cpansec': {
            revoked: [{ patchId: 'Foo-Bar-CVE-2099-1234', distribution: 'Foo-Bar', reason: 'x', date: '2026-11-25' }],
          },
        }),
    ],
    [
      'a malformed revocation',
      (t: TargetsSigned) => void Object.assign(t, { 'x-cpansec': { revoked: [{ patchId: 'x' }] } }),
    ],
  ])('refuses %s: METADATA_INVALID', (_name, mutate) => {
    const t = targets([{ dist: 'Foo-Bar', id: 'Foo-Bar-CVE-2099-1234' }]);
    mutate(t);
    expect(() => readEntries(t)).toThrowCode('METADATA_INVALID');
  });
});

describe('selectPatches', () => {
  const t = targets([
    { dist: 'Foo-Bar', id: 'Foo-Bar-CVE-2099-0001', affected: '< 2.0', fixed: ['1.5'] },
    { dist: 'Foo-Bar', id: 'Foo-Bar-CVE-2099-0002', affected: '<= 3.0', upstream: '2.5' },
    { dist: 'Foo-Bar', id: 'Foo-Bar-CVE-2099-0003', affected: '>= 1.0' },
    { dist: 'Baz', id: 'Baz-CVE-2099-0004', affected: '< 9' },
  ]);
  const { entries } = readEntries(t);
  const ids = (dist: string, version: string, revoked: string[] = []) =>
    selectPatches(
      entries,
      revoked.map((patchId) => ({ patchId, distribution: dist, reason: 'r', date: '2026-11-25' })),
      dist,
      version,
    ).map((e) => e.patchId);

  it('takes the affected ones of the distribution', () => {
    expect(ids('Foo-Bar', '1.2')).toEqual(['Foo-Bar-CVE-2099-0001', 'Foo-Bar-CVE-2099-0002', 'Foo-Bar-CVE-2099-0003']);
  });
  it('leaves out a version listed as fixed', () => {
    expect(ids('Foo-Bar', '1.5')).toEqual(['Foo-Bar-CVE-2099-0002', 'Foo-Bar-CVE-2099-0003']);
  });
  it('leaves out the Applied-Upstream version', () => {
    expect(ids('Foo-Bar', '2.5')).toEqual(['Foo-Bar-CVE-2099-0003']);
  });
  it('leaves out revoked patches', () => {
    expect(ids('Foo-Bar', '1.2', ['Foo-Bar-CVE-2099-0003'])).toEqual([
      'Foo-Bar-CVE-2099-0001',
      'Foo-Bar-CVE-2099-0002',
    ]);
  });
  it('refuses a version that does not parse: VERSION_INVALID', () => {
    expect(() => ids('Foo-Bar', 'not a version')).toThrowCode('VERSION_INVALID');
  });
});
