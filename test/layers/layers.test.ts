import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The layer rules of .dependency-cruiser.cjs, run as `npm run layers` runs them, in a copy of
 * this tree with one wrong import per rule: each rule names its import, and nothing else in the
 * tree is reported.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

/** The command's exit status and its violations, read from its report lines ("error RULE: FROM → TO"). */
function cruise(dir: string): { status: number | null; violations: [rule: string, from: string, to: string][] } {
  const run = spawnSync(process.execPath, [CLI, 'relay', 'renderer', '--config', '.dependency-cruiser.cjs'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  const violations = [...run.stdout.matchAll(/^\s*error (\S+): (\S+) → (\S+)$/gm)].map((m) => [m[1]!, m[2]!, m[3]!] as [string, string, string]);
  return { status: run.status, violations };
}

/** One import each rule forbids: the file that makes it, and what it imports. */
const WRONG: Record<string, [file: string, imports: string]> = {
  'net-imports-no-layer': ['relay/net/wrong.ts', '../core/hub.js'],
  'config-imports-nothing-above': ['relay/config/wrong.ts', '../http/server.js'],
  'core-imports-nothing-above': ['relay/core/wrong.ts', '../dialects/types.js'],
  'dialects-import-nothing-from-http': ['relay/dialects/wrong.ts', '../http/admission.js'],
  'renderer-sees-only-the-console': ['renderer/wrong.ts', '../relay/core/log.js'],
  'relay-is-plain-node': ['relay/console/wrong.ts', '../../renderer/store.js'],
  'capture-sees-only-core': ['relay/capture/wrong.ts', '../dialects/types.js'],
  'cluster-sees-only-core': ['relay/cluster/wrong.ts', '../http/server.js'],
  'replay-is-a-client': ['relay/replay/wrong.ts', '../core/hub.js'],
};

const copies: string[] = [];
afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

describe('the layer rules', () => {
  it('fail, naming the rule, the file and the import, for each import added the wrong way', () => {
    const copy = mkdtempSync(join(tmpdir(), 'switchboard-layers-'));
    copies.push(copy);
    for (const part of ['relay', 'renderer', 'tsconfig.json', '.dependency-cruiser.cjs']) cpSync(join(ROOT, part), join(copy, part), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
    for (const [file, imports] of Object.values(WRONG)) writeFileSync(join(copy, file), `import '${imports}';\n`);
    const { status, violations } = cruise(copy);
    expect(status).not.toBe(0);
    const found = violations.map(([rule, from]) => [rule, from]);
    // The one violation each wrong file makes, and none from the tree itself.
    for (const [rule, [file]] of Object.entries(WRONG)) expect(found).toContainEqual([rule, file]);
    expect(violations).toHaveLength(Object.keys(WRONG).length);
    // dependency-cruiser reads the whole tree: seconds alone, longer on a shared machine.
  }, 150_000);
});
