/**
 * Canonical JSON, keyids and the strict metadata parser, against the shared
 * TUF vector (made with @tufjs/models 4.1.1 and checked with securesystemslib;
 * shared/vectors/tuf/README.md) and hand-made bad inputs.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/repo/canonical-json.js';
import { TrustTracker, verifyTrustedSet } from '../../src/repo/tuf-trust.js';
import { parseExpires, parseMetadata, tufKey } from '../../src/repo/tuf-model.js';
import { hasShared, sharedPath } from '../helpers/shared.js';

const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));

describe('canonicalJson', () => {
  it('sorts keys, drops whitespace, escapes only \\ and "', () => {
    expect(canonicalJson({ b: [1, true, null], a: 'x"y\\z\n\u00e9' })).toBe(
      '{"a":"x\\"y\\\\z\n\u00e9","b":[1,true,null]}',
    );
  });
  it('refuses floats, undefined and non-ASCII keys: METADATA_INVALID', () => {
    expect(() => canonicalJson({ a: 1.5 })).toThrowCode('METADATA_INVALID');
    expect(() => canonicalJson({ a: undefined })).toThrowCode('METADATA_INVALID');
    expect(() => canonicalJson({ é: 1 })).toThrowCode('METADATA_INVALID');
  });
});

describe.skipIf(!hasShared('vectors', 'tuf'))('the shared TUF vector', () => {
  const file = (name: string): Uint8Array => readFileSync(sharedPath('vectors', 'tuf', 'metadata', name));
  it('canonicalises root exactly as the vector records', () => {
    const root = JSON.parse(new TextDecoder().decode(file('root.json'))) as { signed: unknown };
    expect(canonicalJson(root.signed)).toBe(
      readFileSync(sharedPath('vectors', 'tuf', 'root.signed.canonical.json'), 'utf8'),
    );
  });
  it('computes the keyid of the vector key', () => {
    const pub = Uint8Array.from(Buffer.from('3fc4f41596fce343e7b91d95f6c5dd6a089948496df26f0b94089a933f0d8cd6', 'hex'));
    expect(tufKey(pub).keyid).toBe('a7dd4d7276aea4212598b6e8ecfc4ca0db1c0ed012591fc2a24433099c0f79ca');
  });
  it('verifies the whole vector set with our own checks', () => {
    const set = verifyTrustedSet(
      {
        root: file('root.json'),
        timestamp: file('timestamp.json'),
        snapshot: file('snapshot.json'),
        targets: file('targets.json'),
      },
      Date.parse('2030-01-01T00:00:00Z'),
    );
    expect(Object.keys(set.targets.signed.targets)).toEqual(['Foo-Bar-1.0/CVE-2099-0001.patch']);
  });
  it('finds it expired after 2036-01-01: REPO_EXPIRED', () => {
    expect(() =>
      verifyTrustedSet(
        {
          root: file('root.json'),
          timestamp: file('timestamp.json'),
          snapshot: file('snapshot.json'),
          targets: file('targets.json'),
        },
        Date.parse('2036-01-02T00:00:00Z'),
      ),
    ).toThrowCode('REPO_EXPIRED');
  });
  it('refuses the root with one byte of the signed part changed: REPO_TRUST', () => {
    const doc = JSON.parse(new TextDecoder().decode(file('root.json'))) as { signed: { version: number } };
    doc.signed.version = 1; // same
    (doc.signed as unknown as Record<string, unknown>)['spec_version'] = '1.0.32';
    expect(() => TrustTracker.trustedRoot(enc(doc))).toThrowCode('REPO_TRUST');
  });
});

describe('parseMetadata', () => {
  const base = {
    _type: 'timestamp',
    spec_version: '1.0.31',
    version: 1,
    expires: '2030-01-01T00:00:00Z',
    meta: { 'snapshot.json': { version: 1 } },
  };
  it('accepts a well-formed timestamp', () => {
    expect(parseMetadata('timestamp', enc({ signed: base, signatures: [] })).signed.version).toBe(1);
  });
  it.each([
    ['not JSON', new TextEncoder().encode('{')],
    ['an extra top-level field', enc({ signed: base, signatures: [], extra: 1 })],
    ['the wrong _type', enc({ signed: { ...base, _type: 'snapshot' }, signatures: [] })],
    ['expires with milliseconds', enc({ signed: { ...base, expires: '2030-01-01T00:00:00.000Z' }, signatures: [] })],
    ['expires without a time', enc({ signed: { ...base, expires: '2030-01-01' }, signatures: [] })],
    ['expires on 30 February', enc({ signed: { ...base, expires: '2030-02-30T00:00:00Z' }, signatures: [] })],
    ['version 0', enc({ signed: { ...base, version: 0 }, signatures: [] })],
    ['spec_version 2', enc({ signed: { ...base, spec_version: '2.0.0' }, signatures: [] })],
    [
      'two signatures by one key',
      enc({
        signed: base,
        signatures: [
          { keyid: 'a'.repeat(64), sig: '00' },
          { keyid: 'a'.repeat(64), sig: '00' },
        ],
      }),
    ],
    [
      'a second meta entry',
      enc({ signed: { ...base, meta: { 'snapshot.json': { version: 1 }, 'x.json': { version: 1 } } }, signatures: [] }),
    ],
  ])('refuses %s: METADATA_INVALID', (_name, bytes) => {
    expect(() => parseMetadata('timestamp', bytes)).toThrowCode('METADATA_INVALID');
  });
  it('refuses targets with delegations (tuf-js 5 caches delegated roles unsafely): METADATA_INVALID', () => {
    const signed = { ...base, _type: 'targets', targets: {}, delegations: { keys: {}, roles: [] } };
    delete (signed as Record<string, unknown>)['meta'];
    expect(() => parseMetadata('targets', enc({ signed, signatures: [] }))).toThrowCode('METADATA_INVALID');
  });
  it('refuses a root whose keyid is not the hash of its key (the spec says recompute): METADATA_INVALID', () => {
    const { key } = tufKey(new Uint8Array(32).fill(9));
    const id = 'b'.repeat(64);
    const roles = Object.fromEntries(
      ['root', 'targets', 'snapshot', 'timestamp'].map((r) => [r, { keyids: [id], threshold: 1 }]),
    );
    const signed = { ...base, _type: 'root', consistent_snapshot: false, keys: { [id]: key }, roles };
    delete (signed as Record<string, unknown>)['meta'];
    expect(() => parseMetadata('root', enc({ signed, signatures: [] }))).toThrowCode('METADATA_INVALID');
  });
});

describe('parseExpires', () => {
  it('reads the strict form only', () => {
    expect(parseExpires('2030-01-01T00:00:00Z')).toBe(Date.UTC(2030, 0, 1));
    for (const bad of [
      'garbage',
      '2030-01-01T24:00:00Z',
      '2030-13-01T00:00:00Z',
      ' 2030-01-01T00:00:00Z',
      1893456000,
    ]) {
      expect(parseExpires(bad)).toBeUndefined();
    }
  });
});
