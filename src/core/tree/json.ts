/**
 * A JSON reader that keeps numbers as the text they were written as. cpanm
 * writes install.json versions as JSON numbers (`"version":0.010`); JSON.parse
 * would turn that into 0.01, and a version printed back as "0.01" is not the
 * version the author released (version.pm compares them equal, people and
 * advisories do not read them so). Everything else follows RFC 8259.
 *
 * Installed trees are hostile input: depth and size are bounded, objects have
 * no prototype (a "__proto__" key is an ordinary key), and every failure is a
 * METADATA_INVALID error with the offset.
 */
import { CpansecError } from '../../errors.js';

/** A JSON number, kept as written ("0.010", "1e3", "-2"). */
export class JsonNumber {
  constructor(readonly raw: string) {}
  toJSON(): string {
    return this.raw;
  }
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export interface JsonLimits {
  maxDepth: number;
  maxBytes: number;
}

const DEFAULT_JSON_LIMITS: JsonLimits = { maxDepth: 64, maxBytes: 16 * 1024 * 1024 };
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WS = /[ \t\n\r]*/y;

function fail(at: number, message: string): never {
  throw new CpansecError('METADATA_INVALID', `invalid JSON at offset ${at}: ${message}`, { details: { offset: at } });
}

/**
 * Parses JSON text; numbers become JsonNumber with their source text.
 * @throws CpansecError METADATA_INVALID (malformed, too deep, too large)
 */
export function parseJsonLossless(text: string, limits: Partial<JsonLimits> = {}): JsonValue {
  const { maxDepth, maxBytes } = { ...DEFAULT_JSON_LIMITS, ...limits };
  if (text.length > maxBytes) fail(0, `${text.length} characters, over the limit of ${maxBytes}`);
  let at = text.charCodeAt(0) === 0xfeff ? 1 : 0;

  const skip = (): void => {
    WS.lastIndex = at;
    WS.exec(text);
    at = WS.lastIndex;
  };

  const readString = (): string => {
    // at is on the opening quote
    let out = '';
    let start = ++at;
    for (;;) {
      if (at >= text.length) fail(at, 'unterminated string');
      const c = text.charCodeAt(at);
      if (c === 0x22) {
        out += text.slice(start, at);
        at++;
        return out;
      }
      if (c < 0x20) fail(at, 'control character in string');
      if (c !== 0x5c) {
        at++;
        continue;
      }
      out += text.slice(start, at);
      const e = text[at + 1];
      const simple: Record<string, string> = {
        '"': '"',
        '\\': '\\',
        '/': '/',
        b: '\b',
        f: '\f',
        n: '\n',
        r: '\r',
        t: '\t',
      };
      if (e !== undefined && simple[e] !== undefined) {
        out += simple[e];
        at += 2;
      } else if (e === 'u') {
        const hex = text.slice(at + 2, at + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail(at, 'bad \\u escape');
        out += String.fromCharCode(parseInt(hex, 16));
        at += 6;
      } else {
        fail(at, 'bad escape');
      }
      start = at;
    }
  };

  const readValue = (depth: number): JsonValue => {
    if (depth > maxDepth) fail(at, `nested deeper than ${maxDepth}`);
    skip();
    const c = text[at];
    if (c === '"') return readString();
    if (c === '{') {
      at++;
      const obj = Object.create(null) as JsonObject;
      skip();
      if (text[at] === '}') {
        at++;
        return obj;
      }
      for (;;) {
        skip();
        if (text[at] !== '"') fail(at, 'expected a key');
        const key = readString();
        skip();
        if (text[at] !== ':') fail(at, 'expected ":"');
        at++;
        obj[key] = readValue(depth + 1);
        skip();
        if (text[at] === ',') {
          at++;
          continue;
        }
        if (text[at] === '}') {
          at++;
          return obj;
        }
        fail(at, 'expected "," or "}"');
      }
    }
    if (c === '[') {
      at++;
      const arr: JsonValue[] = [];
      skip();
      if (text[at] === ']') {
        at++;
        return arr;
      }
      for (;;) {
        arr.push(readValue(depth + 1));
        skip();
        if (text[at] === ',') {
          at++;
          continue;
        }
        if (text[at] === ']') {
          at++;
          return arr;
        }
        fail(at, 'expected "," or "]"');
      }
    }
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, at)) {
        at += word.length;
        return value;
      }
    }
    NUMBER.lastIndex = at;
    const m = NUMBER.exec(text);
    if (m === null) fail(at, 'unexpected character');
    at = NUMBER.lastIndex;
    return new JsonNumber(m[0]);
  };

  const value = readValue(0);
  skip();
  if (at !== text.length) fail(at, 'text after the value');
  return value;
}

export function isJsonObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber);
}

/** A string or number field as text (numbers exactly as written); undefined otherwise. */
export function jsonText(v: JsonValue | undefined): string | undefined {
  if (typeof v === 'string') return v;
  if (v instanceof JsonNumber) return v.raw;
  return undefined;
}
