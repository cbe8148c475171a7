/**
 * The dependency rule of docs/architecture.md, checked on import lines:
 *   cli → api → adapters (files, tarball, tree, repo, upstream, net, sign) → core → errors
 * (adapters may use files/, sign/ and net/, the shared ways to the disk and the network)
 * core/ and sign/ stay pure: no node: modules and no process.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from './helpers/shared.js';

const SRC = join(PROJECT_ROOT, 'src');
const ADAPTERS = ['files', 'tarball', 'tree', 'repo', 'upstream', 'net', 'sign', 'cpan', 'perl', 'crypto', 'workspace'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

function layerOf(file: string): string {
  const rel = relative(SRC, file).split('/');
  return rel.length === 1 ? 'root' : (rel[0] as string);
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = [...text.matchAll(/(?:import|export)[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)];
  return found.map((m) => (m[1] ?? m[2]) as string);
}

function targetLayer(file: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  return layerOf(join(file, '..', spec));
}

const files = sourceFiles(SRC);

describe('architecture', () => {
  it('finds the source tree', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  for (const file of files) {
    const layer = layerOf(file);
    const rel = relative(PROJECT_ROOT, file);
    const imports = importsOf(file);

    if (layer === 'core' || layer === 'sign') {
      it(`${rel} is pure (no node: modules, no process)`, () => {
        const text = readFileSync(file, 'utf8');
        expect(
          imports.filter(
            (s) => s.startsWith('node:') || ['fs', 'path', 'child_process', 'net', 'http', 'https'].includes(s),
          ),
        ).toEqual([]);
        expect(text).not.toMatch(/\bprocess\./);
      });
    }

    it(`${rel} respects the dependency rule`, () => {
      const bad = imports.filter((spec) => {
        const target = targetLayer(file, spec);
        if (target === undefined || target === layer || target === 'root') return false;
        switch (layer) {
          case 'core':
            return true;
          case 'cli':
            return target !== 'api';
          case 'api':
            return false;
          default:
            if (ADAPTERS.includes(layer))
              return !(target === 'core' || target === 'files' || target === 'sign' || target === 'net');
            return false;
        }
      });
      expect(bad).toEqual([]);
    });
  }
});
