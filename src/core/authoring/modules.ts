/**
 * Module names a patch is about, for `search`: the files it changes under
 * lib/ (lib/Foo/Bar.pm → Foo::Bar, as ExtUtils::MakeMaker installs them),
 * .pm files at the top of the distribution (DBI.pm → DBI), and the
 * distribution's own name (HTTP-Daemon → HTTP::Daemon). Pure.
 */

const SEGMENT = /^[A-Za-z_]\w*$/;

export function moduleNameFromPath(path: string): string | undefined {
  const parts = path.split('/');
  let rest: string[];
  if (parts[0] === 'lib' && parts.length >= 2) rest = parts.slice(1);
  else if (parts.length === 1) rest = parts;
  else return undefined;
  const last = rest[rest.length - 1] as string;
  if (!last.endsWith('.pm')) return undefined;
  rest[rest.length - 1] = last.slice(0, -3);
  return rest.every((p) => SEGMENT.test(p)) ? rest.join('::') : undefined;
}

export function moduleNames(distribution: string, paths: readonly string[]): string[] {
  const names = new Set<string>([distribution.replace(/-/g, '::')]);
  for (const p of paths) {
    const name = moduleNameFromPath(p);
    if (name !== undefined) names.add(name);
  }
  return [...names];
}
