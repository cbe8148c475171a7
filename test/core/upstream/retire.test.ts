import { describe, expect, it } from 'vitest';
import { parseAffectedVersions, isAffected } from '../../../src/core/version/affected.js';
import {
  boundAffectedVersions,
  chooseFixedRelease,
  formatUpstreamStatus,
  planRetirement,
  readUpstreamStatus,
  upgradeAdvice,
} from '../../../src/core/upstream/retire.js';

describe('boundAffectedVersions', () => {
  it('bounds an open range below the fixed release', () => {
    expect(boundAffectedVersions('>= 6.00', '6.17')).toBe('>= 6.00, < 6.17');
    expect(boundAffectedVersions('0', '6.17')).toBe('< 6.17');
  });

  it('leaves a range that already ends below it alone', () => {
    expect(boundAffectedVersions('>= 6.00, <= 6.16', '6.17')).toBeUndefined();
    expect(boundAffectedVersions('< 6.17', '6.17')).toBeUndefined();
    expect(boundAffectedVersions('== 6.16', '6.17')).toBeUndefined();
  });

  it('bounds each alternative, dropping one wholly above the fix', () => {
    expect(boundAffectedVersions('< 1.5; >= 2.0', '2.3')).toBe('< 1.5; >= 2.0, < 2.3');
    expect(boundAffectedVersions('< 1.5; >= 3.0', '2.3')).toBe('< 1.5');
    expect(boundAffectedVersions('>= 3.0', '2.3')).toBeUndefined();
  });

  it('every version the new text calls affected is below the fix, and old affected versions below it stay affected', () => {
    const before = parseAffectedVersions('>= 6.00; == 7.1');
    const text = boundAffectedVersions('>= 6.00; == 7.1', '6.17') as string;
    const after = parseAffectedVersions(text);
    for (const v of ['5.9', '6.00', '6.10', '6.16', '6.169', '6.17', '6.18', '7.1']) {
      const expected = isAffected(before, v) && Number(v) < 6.17;
      expect([v, isAffected(after, v)]).toEqual([v, expected]);
    }
  });
});

describe('chooseFixedRelease', () => {
  const releases = [
    { version: '6.16', path: 'O/OA/OALDERS/HTTP-Daemon-6.16.tar.gz', uploaded: '2023-02-22' },
    { version: '6.17', path: 'O/OA/OALDERS/HTTP-Daemon-6.17.tar.gz', uploaded: '2026-11-29' },
    { version: '6.18', path: 'O/OA/OALDERS/HTTP-Daemon-6.18.tar.gz', uploaded: '2026-12-02' },
  ];
  const base = { verifiedVersions: ['6.16'], affectedVersions: '>= 6.00', releases };

  it('with Fixed-Versions: the lowest release at or above it', () => {
    expect(chooseFixedRelease({ ...base, fixedVersions: ['6.17'] })?.release.version).toBe('6.17');
    expect(chooseFixedRelease({ ...base, fixedVersions: ['6.19'] })).toBeUndefined();
  });

  it('after a merge: the first later release uploaded on or after the merge day', () => {
    const merged = { state: 'merged' as const, mergedAt: '2026-12-01T10:00:00Z' };
    expect(chooseFixedRelease({ ...base, fixedVersions: [], affectedVersions: '<= 6.16', pull: merged })).toMatchObject(
      {
        release: { version: '6.18' },
      },
    );
    expect(
      chooseFixedRelease({
        ...base,
        fixedVersions: [],
        affectedVersions: '<= 6.16',
        pull: { state: 'merged', mergedAt: '2026-11-01T00:00:00Z' },
      })?.release.version,
    ).toBe('6.17');
  });

  it('nothing while the pull request is open or declined and no Fixed-Versions is known', () => {
    expect(chooseFixedRelease({ ...base, fixedVersions: [], pull: { state: 'open' } })).toBeUndefined();
    expect(chooseFixedRelease({ ...base, fixedVersions: [], pull: { state: 'declined' } })).toBeUndefined();
  });
});

describe('planRetirement', () => {
  it('adds Applied-Upstream and Fixed-Versions and bounds Affected-Versions', () => {
    expect(
      planRetirement({ affectedVersions: '>= 6.00', fixedVersions: [], appliedUpstream: undefined }, '6.17'),
    ).toEqual([
      { name: 'Applied-Upstream', value: '6.17' },
      { name: 'Fixed-Versions', value: '6.17' },
      { name: 'Affected-Versions', value: '>= 6.00, < 6.17' },
    ]);
  });

  it('is empty when the header already says so', () => {
    expect(
      planRetirement({ affectedVersions: '< 6.17', fixedVersions: ['6.17'], appliedUpstream: '6.17' }, '6.17'),
    ).toEqual([]);
  });
});

describe('Upstream-Status', () => {
  it('round-trips the state', () => {
    for (const s of ['open', 'merged', 'declined'] as const) {
      expect(readUpstreamStatus(formatUpstreamStatus(s, '2026-12-01T00:00:00Z'))).toBe(s);
    }
    expect(readUpstreamStatus(undefined)).toBeUndefined();
    expect(readUpstreamStatus('whatever')).toBeUndefined();
  });
});

describe('upgradeAdvice', () => {
  const entry = {
    patchId: 'HTTP-Daemon-CVE-2026-8450',
    distribution: 'HTTP-Daemon',
    appliedUpstream: '6.17',
    fixedVersions: ['6.18'],
  };
  it('names the lowest fixed release above the version being patched', () => {
    expect(upgradeAdvice(entry, '6.16')).toBe(
      'HTTP-Daemon-CVE-2026-8450: HTTP-Daemon 6.17 has this fix upstream; upgrade to 6.17 (the patch protects HTTP-Daemon 6.16 until you can)',
    );
    expect(upgradeAdvice({ ...entry, appliedUpstream: undefined }, '6.16')).toContain('upgrade to 6.18');
  });
  it('says nothing without a later fixed release', () => {
    expect(upgradeAdvice({ ...entry, appliedUpstream: undefined, fixedVersions: [] }, '6.16')).toBeUndefined();
    expect(upgradeAdvice({ ...entry, appliedUpstream: 'abc1234 (commit)', fixedVersions: [] }, '6.16')).toBeUndefined();
    expect(upgradeAdvice(entry, '6.18')).toBeUndefined();
  });
});
