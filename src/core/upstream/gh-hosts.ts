/**
 * The GitHub CLI's hosts.yml (`~/.config/gh/hosts.yml`), which holds the
 * token of `gh auth login` when no system keyring was used:
 *
 *   github.com:
 *       users:
 *           octocat:
 *               oauth_token: gho_…
 *       git_protocol: https
 *       user: octocat
 *       oauth_token: gho_…
 *
 * We read only that shape — host keys at the top, `oauth_token` under the
 * host or under `users.<user>` — line by line, with no YAML loader (no tags,
 * anchors, aliases or flow collections are ever interpreted). Pure.
 */

interface Line {
  indent: number;
  key: string;
  value: string | undefined;
}

const KEY_RE = /^([^\s:#'"][^:#]*?|'[^']*'|"[^"]*")\s*:(?:\s+(.*?))?\s*$/;

function unquote(raw: string): string | undefined {
  const t = raw.replace(/\s+#.*$/, '').trim();
  if (t === '') return undefined;
  if (/^'[^']*'$/.test(t) || /^"[^"\\]*"$/.test(t)) return t.slice(1, -1);
  if (/^[[{&*!|>%@`'"]/.test(t)) return undefined;
  return t;
}

function parse(text: string): Line[] {
  const out: Line[] = [];
  for (const raw of text.split('\n').slice(0, 10_000)) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || /^\s*#/.test(line) || /^(---|\.\.\.)\s*$/.test(line) || line.includes('\t')) continue;
    const m = KEY_RE.exec(line.trim());
    if (!m) continue;
    const key = unquote(m[1] as string) ?? '';
    out.push({
      indent: line.length - line.trimStart().length,
      key,
      value: m[2] === undefined ? undefined : unquote(m[2]),
    });
  }
  return out;
}

/** The lines of the block under lines[at], and their common (first) indent. */
function block(lines: readonly Line[], at: number): { lines: Line[]; indent: number } {
  const parent = lines[at] as Line;
  const out: Line[] = [];
  for (let i = at + 1; i < lines.length && (lines[i] as Line).indent > parent.indent; i++) out.push(lines[i] as Line);
  return { lines: out, indent: out[0]?.indent ?? parent.indent + 1 };
}

function childValue(children: { lines: Line[]; indent: number }, key: string): string | undefined {
  return children.lines.find((l) => l.indent === children.indent && l.key === key)?.value;
}

const TOKEN_RE = /^[A-Za-z0-9_]{10,255}$/;

/** The oauth_token gh stores for `host`, or undefined. */
export function tokenFromGhHosts(text: string, host: string): string | undefined {
  const lines = parse(text);
  const at = lines.findIndex((l) => l.indent === 0 && l.key.toLowerCase() === host.toLowerCase());
  if (at < 0) return undefined;
  const hostBlock = block(lines, at);
  let token = childValue(hostBlock, 'oauth_token');
  if (token === undefined) {
    const user = childValue(hostBlock, 'user');
    const usersAt = lines.indexOf(
      hostBlock.lines.find((l) => l.indent === hostBlock.indent && l.key === 'users') as Line,
    );
    if (usersAt >= 0 && user !== undefined) {
      const users = block(lines, usersAt);
      const userAt = lines.indexOf(users.lines.find((l) => l.indent === users.indent && l.key === user) as Line);
      if (userAt >= 0) token = childValue(block(lines, userAt), 'oauth_token');
    }
  }
  return token !== undefined && TOKEN_RE.test(token) ? token : undefined;
}
