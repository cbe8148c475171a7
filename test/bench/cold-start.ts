/**
 * Cold start of the CLI: `cpansec-patch --help` and `show` on the bundled
 * example, each a fresh Node process. Goal (issue 2): under 150 ms median.
 * Baseline in the same run: `node -e 0` (the floor any Node CLI pays).
 */
import { join } from 'node:path';
import { fmt, timeCommand } from './lib.js';
import { PROJECT_ROOT } from '../helpers/shared.js';

export function benchColdStart(runs = 20): Record<string, string> {
  const bin = join(PROJECT_ROOT, 'bin', 'cpansec-patch.js');
  const example = join(PROJECT_ROOT, 'test', 'fixtures', 'example', 'Acme-Demo-CVE-2099-0001.patch');
  const floor = timeCommand(process.execPath, ['-e', '0'], runs);
  const help = timeCommand(process.execPath, [bin, '--help'], runs);
  const show = timeCommand(process.execPath, [bin, 'show', example], runs);
  const showJson = timeCommand(process.execPath, [bin, 'show', example, '--json'], runs);
  return {
    'node -e 0 (floor)': `${fmt(floor.median)} (min ${fmt(floor.min)}, max ${fmt(floor.max)})`,
    'cpansec-patch --help': `${fmt(help.median)} (min ${fmt(help.min)}, max ${fmt(help.max)}; ${(help.median / floor.median).toFixed(2)}× floor)`,
    'cpansec-patch show example': `${fmt(show.median)} (min ${fmt(show.min)}, max ${fmt(show.max)}; ${(show.median / floor.median).toFixed(2)}× floor)`,
    'cpansec-patch show example --json': `${fmt(showJson.median)} (min ${fmt(showJson.min)}, max ${fmt(showJson.max)})`,
    runs: String(runs),
  };
}
