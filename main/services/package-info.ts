// Reads the product name and version from package.json, for hosts that are not Electron (whose
// app.getName()/getVersion() already do this). Validated, because a broken file should say so.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const packageSchema = z.object({
  name: z.string().min(1),
  productName: z.string().min(1).optional(),
  version: z.string().min(1),
});

export interface PackageInfo {
  name: string;
  version: string;
}

export function readPackageInfo(packageJsonPath: string): PackageInfo {
  const parsed = packageSchema.safeParse(JSON.parse(readFileSync(packageJsonPath, 'utf8')));
  if (!parsed.success) {
    throw new Error(`${packageJsonPath}: expected {name, version} strings: ${parsed.error.message}`);
  }
  return { name: parsed.data.productName ?? parsed.data.name, version: parsed.data.version };
}
