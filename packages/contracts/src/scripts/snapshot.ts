// Freezes every published contract version as a snapshot under packages/contracts/compat/.
//   node src/scripts/snapshot.ts          writes the snapshots that are missing (never rewrites one)
//   node src/scripts/snapshot.ts --check  exits 1 when one is missing or incompatible
// See compat/README.md for when to run it.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  COMPAT_DIR,
  compatibilityProblems,
  currentSchemaFor,
  publishedContracts,
  readSnapshots,
  snapshotPath,
  writeMissingSnapshots,
} from '../compat/compat.ts';

const check = process.argv.includes('--check');
const show = (path: string) => relative(process.cwd(), path);

if (check) {
  const missing = publishedContracts()
    .map(({ kind, name, version }) => snapshotPath(kind, name, version))
    .filter((path) => !existsSync(path));
  const problems = readSnapshots().flatMap((s) => compatibilityProblems(s, currentSchemaFor(s)));
  for (const path of missing) console.error(`missing snapshot: ${show(path)}`);
  for (const problem of problems) console.error(`incompatible: ${problem}`);
  if (missing.length > 0 || problems.length > 0) process.exit(1);
  console.log(`compat: ${publishedContracts().length} contracts, all snapshotted and compatible`);
} else {
  const { written, kept } = writeMissingSnapshots();
  for (const path of written) console.log(`wrote ${show(path)}`);
  // Formatted as the repository's formatter wants them, so that `biome check .` stays clean.
  if (written.length > 0) {
    const biome = fileURLToPath(new URL('../../../../node_modules/.bin/biome', import.meta.url));
    const formatted = spawnSync(biome, ['format', '--write', ...written], { stdio: 'inherit' });
    if (formatted.status !== 0) console.warn('compat: could not run biome format on the new snapshots');
  }
  console.log(
    `compat: ${written.length} written, ${kept.length} already frozen in ${show(COMPAT_DIR) || '.'}`,
  );
}
