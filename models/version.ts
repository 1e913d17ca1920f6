// The product's name and version, as recorded in every result (read once from package.json).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(resolve(fileURLToPath(new URL('.', import.meta.url)), '..', 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return process.env.LEFFA_STUDIO_VERSION ?? 'unknown';
  }
}

export const GENERATOR_NAME = 'Leffa Studio';
export const GENERATOR_VERSION = readVersion();
