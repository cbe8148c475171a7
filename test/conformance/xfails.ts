/** The xfail list (xfails.json): known disagreements, each with a reason. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Xfails = Readonly<Record<string, string>>;

export function loadXfails(): Xfails {
  const file = join(dirname(fileURLToPath(import.meta.url)), 'xfails.json');
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { xfails?: Record<string, string> };
  const xfails = parsed.xfails ?? {};
  for (const [key, reason] of Object.entries(xfails)) {
    if (typeof reason !== 'string' || reason.trim() === '') throw new Error(`xfails.json: ${key} has no reason`);
  }
  return xfails;
}
