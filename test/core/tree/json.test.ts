import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonNumber, isJsonObject, jsonText, parseJsonLossless } from '../../../src/core/tree/json.js';

describe('parseJsonLossless', () => {
  it('keeps numbers as written (cpanm writes "version":0.010)', () => {
    const v = parseJsonLossless('{"version":0.010,"n":[1e3,-2,0.5E-2]}');
    expect(isJsonObject(v)).toBe(true);
    if (!isJsonObject(v)) return;
    expect(jsonText(v['version'])).toBe('0.010');
    expect((v['n'] as JsonNumber[]).map((n) => n.raw)).toEqual(['1e3', '-2', '0.5E-2']);
  });

  it('decodes strings with escapes, and treats "__proto__" as an ordinary key', () => {
    const v = parseJsonLossless('{"a":"x\\u00e9\\n\\"","__proto__":{"polluted":true}}');
    if (!isJsonObject(v)) throw new Error('object expected');
    expect(v['a']).toBe('xé\n"');
    expect(isJsonObject(v['__proto__'])).toBe(true);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  describe('when the input is not JSON', () => {
    for (const bad of ['', '{', '{"a":}', '[1,]', '01', '{"a":1} x', '"\u0001"', 'nul', '{"a" 1}', '"\\x"']) {
      it(`refuses ${JSON.stringify(bad)} with METADATA_INVALID`, () => {
        expect(() => parseJsonLossless(bad)).toThrowCode('METADATA_INVALID');
      });
    }
  });

  it('refuses nesting past the depth limit instead of overflowing the stack', () => {
    expect(() => parseJsonLossless('['.repeat(100_000))).toThrowCode('METADATA_INVALID');
    expect(() => parseJsonLossless(`${'['.repeat(10)}${']'.repeat(10)}`, { maxDepth: 5 })).toThrowCode(
      'METADATA_INVALID',
    );
  });

  it('agrees with JSON.parse on everything but number spelling (property)', () => {
    const toPlain = (v: unknown): unknown =>
      v instanceof JsonNumber
        ? Number(v.raw)
        : Array.isArray(v)
          ? v.map(toPlain)
          : v !== null && typeof v === 'object'
            ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toPlain(x)]))
            : v;
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        expect(toPlain(parseJsonLossless(text))).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });
});
