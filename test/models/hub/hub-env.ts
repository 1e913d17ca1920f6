// Per-test Hugging Face environment: a fresh HF_HOME under the OS temp dir, HF_ENDPOINT at the fake Hub,
// and none of the developer's own HF_* settings (a real token or cache must never leak into a test, and no
// test may reach huggingface.co). Restores everything on cleanup.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturesDir } from '../../helpers/fixtures.ts';
import { startFakeHub, type FakeHub, type FakeHubOptions } from './fake-hub.ts';

const VARS = ['HF_HOME', 'HF_HUB_CACHE', 'HUGGINGFACE_HUB_CACHE', 'HF_ENDPOINT', 'HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN', 'HF_TOKEN_PATH', 'HF_HUB_OFFLINE', 'XDG_CACHE_HOME'];

export const TINY_WEIGHTS = readFileSync(join(fixturesDir, 'leffa-tiny', 'weights.pth'));
export const MODEL_CARD = Buffer.from('---\nlicense: mit\nlibrary_name: diffusers\ntags:\n  - virtual-try-on\n---\n\n# Leffa\n');

export interface HubEnv {
  home: string;
  /** $HF_HOME/hub: where the cache is. */
  cacheDir: string;
  hub: FakeHub;
  cleanup(): Promise<void>;
}

/** Fresh HF_HOME + a fake Hub serving the tiny fixture as virtual_tryon.pth (plus the model card). */
export async function hubEnv(hubOptions: Partial<FakeHubOptions> = {}): Promise<HubEnv> {
  const saved = Object.fromEntries(VARS.map((k) => [k, process.env[k]]));
  for (const k of VARS) delete process.env[k];
  const home = mkdtempSync(join(tmpdir(), 'leffa-hub-test-'));
  process.env.HF_HOME = home;
  const hub = await startFakeHub({ files: { 'virtual_tryon.pth': TINY_WEIGHTS, 'README.md': MODEL_CARD }, ...hubOptions });
  process.env.HF_ENDPOINT = hub.url;
  return {
    home,
    cacheDir: join(home, 'hub'),
    hub,
    async cleanup() {
      await hub.close();
      const unknown = [...hub.unknown];
      rmSync(home, { recursive: true, force: true });
      for (const k of VARS) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
      // A request the fake Hub does not know means the library (or the manager) changed: fail loudly.
      if (unknown.length > 0) throw new Error(`fake Hub got unknown requests: ${unknown.join('; ')}`);
    },
  };
}
