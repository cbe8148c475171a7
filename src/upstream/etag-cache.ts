/**
 * The conditional-request memory of `upstream status`, on disk:
 * `<cache>/github-etags.json` maps a pull request's API URL to the ETag of
 * the last answer and the fields we read from it. A damaged or foreign file
 * is simply ignored (the next answers are full ones); the file is replaced
 * atomically. It holds nothing secret: no tokens, only public PR states.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CpansecError } from '../errors.js';
import { writeFileAtomic } from '../files/atomic.js';
import { readFileLimited } from '../files/read.js';
import type { EtagStore, PullInfo } from './github.js';

const MAX_FILE = 32 * 1024 * 1024;
const FORMAT = 1;

interface Entry {
  etag: string;
  data: PullInfo;
}

export class FileEtagStore implements EtagStore {
  private readonly entries = new Map<string, Entry>();
  private dirty = false;

  private constructor(readonly path: string) {}

  static async open(path: string): Promise<FileEtagStore> {
    const store = new FileEtagStore(path);
    let bytes: Uint8Array;
    try {
      bytes = await readFileLimited(path, MAX_FILE, 'ETag cache');
    } catch (err) {
      if (err instanceof CpansecError && err.code === 'FILE_NOT_FOUND') return store;
      throw err;
    }
    try {
      const doc = JSON.parse(new TextDecoder().decode(bytes)) as { format?: number; entries?: Record<string, Entry> };
      if (doc.format === FORMAT && typeof doc.entries === 'object' && doc.entries !== null) {
        for (const [k, v] of Object.entries(doc.entries)) {
          if (typeof v?.etag === 'string' && typeof v.data?.number === 'number') store.entries.set(k, v);
        }
      }
    } catch {
      // A damaged cache costs one full answer per pull request, nothing more.
    }
    return store;
  }

  get(key: string): Entry | undefined {
    return this.entries.get(key);
  }

  set(key: string, value: Entry): void {
    this.entries.set(key, value);
    this.dirty = true;
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const doc = { format: FORMAT, entries: Object.fromEntries(this.entries) };
    await writeFileAtomic(this.path, new TextEncoder().encode(`${JSON.stringify(doc)}\n`), 0o600);
    this.dirty = false;
  }
}
