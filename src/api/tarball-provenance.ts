/**
 * Provenance: the `x_cpansec` record written into META.json and META.yml of a
 * patched tarball (docs/tarballs.md), and the SIGNATURE that patching makes
 * wrong. Pure: what the plan decided in, entry changes out.
 */
import { binaryToBytes } from '../core/bytes.js';
import { setMetaJsonProvenance, setMetaYmlProvenance } from '../core/dist/meta.js';
import { TOOL_VERSION } from '../version.js';
import type { Provenance } from '../core/dist/meta.js';
import type { FileEntry } from '../core/patch/apply.js';
import type { ScanResult } from '../tarball/scan.js';
import type { SelectedPatch } from './patch-source.js';
import type { MetaStatus, PatchRunReport, TarballChanges, TarballPlan } from './tarball-plan.js';

export interface ProvenanceInput {
  runs: readonly PatchRunReport[];
  patches: readonly SelectedPatch[];
  upstream: { file: string; sha256: string; version: string };
  newVersion?: string;
  signatureRemoved: boolean;
  /** x_cpansec of a tarball patched before (META.json): its patches and upstream are kept. */
  previous?: unknown;
}

function stringRecord(v: unknown): Record<string, string> | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const entries = Object.entries(v);
  return entries.every(([, x]) => typeof x === 'string')
    ? (Object.fromEntries(entries) as Record<string, string>)
    : undefined;
}

/** The `x_cpansec` value: what was applied, by whom, to what. Strings only (see core/dist/meta.ts). */
export function buildProvenance(input: ProvenanceInput): Provenance {
  const applied = input.runs.filter((r) => r.outcome !== 'already-applied');
  const byId = new Map(input.patches.map((p) => [p.origin, p]));
  const patches = applied.map((r) => {
    const m = byId.get(r.origin)?.metadata;
    const advisories = [...(m?.cve ?? []), ...(m?.cpansa ?? [])];
    return {
      id: r.id,
      sha256: r.sha256,
      signer: r.signer ?? 'unsigned',
      ...(advisories.length > 0 ? { advisories: advisories.join(', ') } : {}),
    };
  });
  // Patching a patched tarball: earlier patches stay listed, and "upstream" stays the original release.
  const prev =
    typeof input.previous === 'object' && input.previous !== null ? (input.previous as Record<string, unknown>) : {};
  const earlier = (Array.isArray(prev['patches']) ? prev['patches'] : [])
    .map(stringRecord)
    .filter((p): p is Record<string, string> => p !== undefined && !patches.some((q) => q.id === p['id']));
  const str = (key: string): string | undefined => (typeof prev[key] === 'string' ? prev[key] : undefined);
  const upstreamVersion =
    str('upstream_version') ?? (input.newVersion !== undefined ? input.upstream.version : undefined);
  const signature =
    str('signature') ??
    (input.signatureRemoved
      ? 'SIGNATURE (Module::Signature) removed: it no longer matches the patched files'
      : undefined);
  return {
    patched_by: `cpansec-patch ${TOOL_VERSION}`,
    patches: [...earlier, ...patches],
    upstream_tarball: str('upstream_tarball') ?? input.upstream.file,
    upstream_sha256: str('upstream_sha256') ?? input.upstream.sha256,
    ...(upstreamVersion === undefined ? {} : { upstream_version: upstreamVersion }),
    ...(signature === undefined ? {} : { signature }),
  };
}

/** Writes provenance into META.json / META.yml (as patched, when a patch changed them) and drops SIGNATURE. */
export function addProvenance(
  scan: ScanResult,
  changes: TarballChanges,
  final: ReadonlyMap<string, FileEntry>,
  provenance: (signatureRemoved: boolean) => Provenance,
  newVersion: string | undefined,
): TarballPlan['provenance'] {
  const signature = scan.found.get('SIGNATURE');
  // A SIGNATURE that another entry hard-links to stays (dropping it would leave a dangling link).
  const linkedTo = scan.index.entries.some((e) => e.kind === 'hardlink' && e.linkpath === 'SIGNATURE');
  const signatureRemoved = signature?.entry.kind === 'file' && !linkedTo && !changes.deleted.has('SIGNATURE');
  if (signatureRemoved) {
    changes.modified.delete('SIGNATURE');
    changes.deleted.add('SIGNATURE');
  }
  const value = provenance(signatureRemoved || changes.deleted.has('SIGNATURE'));
  const status = (file: 'META.json' | 'META.yml'): MetaStatus => {
    const found = scan.found.get(file);
    if (found === undefined || changes.deleted.has(file)) return 'absent';
    if (found.entry.kind !== 'file' || found.bytes === undefined) return 'not a regular file';
    const current =
      changes.modified.get(file)?.content ??
      (final.has(file) ? binaryToBytes((final.get(file) as FileEntry).content) : found.bytes);
    const options = { file: `${scan.top}/${file}`, ...(newVersion === undefined ? {} : { version: newVersion }) };
    const content =
      file === 'META.json'
        ? setMetaJsonProvenance(current, value, options)
        : setMetaYmlProvenance(current, value, options);
    const previous = changes.modified.get(file);
    changes.modified.set(file, { content, ...(previous?.mode === undefined ? {} : { mode: previous.mode }) });
    return 'updated';
  };
  return {
    metaJson: status('META.json'),
    metaYml: status('META.yml'),
    signature: signatureRemoved ? 'removed' : 'absent',
  };
}
