// Where to download from, where to store, with which token, and whether the network may be used: the same
// environment variables the Python `huggingface_hub` client reads, so a cache and a login shared with the
// Python Leffa app just work. Explicit options win over the environment (tests and the app pass them).
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { HUB_URL, getHFHubCachePath } from '@huggingface/hub';
import { HubError } from './errors.ts';

export interface HubSettingsOptions {
  /** Hub cache folder; default `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`. */
  cacheDir?: string;
  /** Hub base URL (a mirror); default `$HF_ENDPOINT`, else https://huggingface.co. */
  endpoint?: string;
  /** Access token; default `$HF_TOKEN`, else the token file `huggingface-cli login` writes. */
  token?: string;
  /** Never touch the network; default `$HF_HUB_OFFLINE`. */
  offline?: boolean;
}

export interface HubSettings {
  cacheDir: string;
  endpoint: string;
  token: string | undefined;
  offline: boolean;
}

// huggingface_hub's `constants._is_true`: these spellings turn a flag on.
function isTruthy(v: string | undefined): boolean {
  return v !== undefined && ['1', 'on', 'yes', 'true'].includes(v.trim().toLowerCase());
}

function hfHome(): string {
  return process.env.HF_HOME ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'huggingface');
}

// The Python client stores `huggingface-cli login`'s token in $HF_TOKEN_PATH or $HF_HOME/token.
function tokenFromFile(): string | undefined {
  const path = process.env.HF_TOKEN_PATH ?? join(hfHome(), 'token');
  try {
    const t = readFileSync(path, 'utf8').trim();
    return t === '' ? undefined : t;
  } catch {
    return undefined;
  }
}

export function resolveHubSettings(opts: HubSettingsOptions = {}): HubSettings {
  // The library only reads the cache variables (same precedence as Python); the rest is ours.
  const cacheDir = opts.cacheDir ?? getHFHubCachePath();
  const endpoint = (opts.endpoint ?? (process.env.HF_ENDPOINT || HUB_URL)).replace(/\/+$/, '');
  try {
    new URL(endpoint);
  } catch {
    throw new HubError('network', `HF_ENDPOINT must be a URL such as https://huggingface.co, got ${JSON.stringify(endpoint)}`);
  }
  const token = opts.token ?? (process.env.HF_TOKEN || process.env.HUGGING_FACE_HUB_TOKEN || tokenFromFile());
  // The library rejects other tokens with a bare TypeError; say which setting is wrong instead.
  if (token !== undefined && !token.startsWith('hf_')) {
    throw new HubError('bad-token', 'the Hugging Face access token (HF_TOKEN, or the token file of `huggingface-cli login`) does not start with "hf_"; set a valid token or unset it (public repos need none)');
  }
  const offline = opts.offline ?? isTruthy(process.env.HF_HUB_OFFLINE);
  return { cacheDir, endpoint, token, offline };
}
