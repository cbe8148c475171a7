/**
 * What cpanm, cpm and Carton record about an installed distribution:
 * `<lib>/<archname>/.meta/<Dist-Ver>/install.json` and the MYMETA.json copied
 * beside it (research note cpan-ecosystem.md §2.3). cpanm writes versions as
 * JSON numbers, cpm as strings; both are read as the text written.
 */
import { parseDistname } from '../dist/distname.js';
import { DIST_RE } from '../patch/metadata.js';
import { isJsonObject, jsonText, parseJsonLossless } from './json.js';

export interface InstallRecord {
  /** Distribution name, from MYMETA.json, else from install.json's `dist`/`pathname`. */
  dist: string;
  /** Distribution version as written (MYMETA `version`, else the tarball name's, else install.json `version`). */
  version: string | undefined;
  versionSource: 'mymeta' | 'distname' | 'install.json';
  /** The main module (install.json `name`): its .packlist is auto/<Main/Module>/.packlist. */
  mainModule: string | undefined;
  /** CPAN path (install.json `pathname`), e.g. "T/TE/TESTER/Tiny-XS-v1.2.3.tar.gz". */
  pathname: string | undefined;
  /** Packages and the dist-relative files that provide them (install.json `provides`). */
  provides: { package: string; file?: string; version?: string }[];
}

const decoder = new TextDecoder('utf-8', { fatal: false });

function objectOf(bytes: Uint8Array | undefined) {
  if (bytes === undefined) return undefined;
  const value = parseJsonLossless(decoder.decode(bytes), { maxBytes: bytes.length + 1 });
  return isJsonObject(value) ? value : undefined;
}

const PACKAGE_RE = /^[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z0-9_]+)*$/;

/**
 * Combines install.json and MYMETA.json (either may be missing or damaged:
 * pass undefined). `dirName` is the `.meta` entry's name ("Tiny-XS-v1.2.3"),
 * the last resort for the name.
 * @throws CpansecError METADATA_INVALID when a present file is not JSON
 */
export function parseInstallRecord(
  dirName: string,
  installJson: Uint8Array | undefined,
  mymetaJson: Uint8Array | undefined,
): InstallRecord | undefined {
  const install = objectOf(installJson);
  const mymeta = objectOf(mymetaJson);
  const pathname = jsonText(install?.['pathname']);
  const distv = jsonText(install?.['dist']) ?? dirName;
  let fromName: { dist?: string | undefined; version?: string | undefined } = {};
  try {
    // DistnameInfo splits "Dist-Name-1.23" as it splits tarball names.
    const info = parseDistname(pathname ?? `${distv}.tar.gz`);
    fromName = { dist: info.dist, version: info.version };
  } catch {
    fromName = {};
  }
  const metaName = jsonText(mymeta?.['name']);
  const dist = [metaName, fromName.dist].find((d) => d !== undefined && DIST_RE.test(d));
  if (dist === undefined) return undefined;
  const metaVersion = jsonText(mymeta?.['version']);
  const installVersion = jsonText(install?.['version']);
  const version = metaVersion ?? fromName.version ?? installVersion;
  const versionSource =
    metaVersion !== undefined ? 'mymeta' : fromName.version !== undefined ? 'distname' : 'install.json';
  const mainModule = jsonText(install?.['name']);
  const provides: InstallRecord['provides'] = [];
  const prov = install?.['provides'];
  if (isJsonObject(prov)) {
    for (const [pkg, info] of Object.entries(prov)) {
      if (!PACKAGE_RE.test(pkg) || !isJsonObject(info)) continue;
      const file = jsonText(info['file']);
      const v = jsonText(info['version']);
      provides.push({
        package: pkg,
        ...(file === undefined ? {} : { file }),
        ...(v === undefined ? {} : { version: v }),
      });
    }
  }
  return {
    dist,
    version,
    versionSource,
    mainModule: mainModule !== undefined && PACKAGE_RE.test(mainModule) ? mainModule : undefined,
    pathname,
    provides,
  };
}

export function isPackageName(name: string): boolean {
  return PACKAGE_RE.test(name);
}
