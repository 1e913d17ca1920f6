// Where the reference fixtures live: ../shared/fixtures beside the checkout (CI lays it there too),
// or LEFFA_FIXTURES to point elsewhere.
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
export const sharedDir = process.env.LEFFA_SHARED ?? resolve(repoRoot, '..', 'shared');
export const fixturesDir = process.env.LEFFA_FIXTURES ?? resolve(sharedDir, 'fixtures');
export const assetsDir = resolve(sharedDir, 'assets');
export { repoRoot };
