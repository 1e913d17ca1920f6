// The C2PA signing credentials: app-level settings, kept in the app's data folder (never in a project
// folder, which may be shared or synced). Setting them copies the certificate chain and the private key
// into <dataDir>/c2pa/ with owner-only permissions; what the page can read back is whether signing is
// configured, the algorithm and the certificate's subject, never a path or the key. Keys are read per
// export, held in memory for that export only, and never logged or put in an error message.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { ValidationError } from '../api/errors.ts';
import { writeFileAtomicSync } from '../atomic-write.ts';
import type { C2paAlg } from '../../models/provenance/cose-sign1.ts';

export const SIGNING_DIR = 'c2pa';
const SETTINGS = 'signing.json';

export interface SigningStatus {
  configured: boolean;
  alg: C2paAlg | null;
  /** The signing certificate's subject (e.g. CN=Studio North), for the page to show. */
  subject: string | null;
}

export interface SigningCredentials {
  certChainPem: string;
  privateKeyPem: string;
  alg: C2paAlg;
}

function inside(parent: string, child: string): boolean {
  const rel = relative(resolve(parent), resolve(child));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

export class SigningSettings {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, SIGNING_DIR);
  }

  async status(): Promise<SigningStatus> {
    const creds = await this.load().catch(() => null);
    if (!creds) return { configured: false, alg: null, subject: null };
    const first = creds.certChainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)?.[0];
    let subject: string | null;
    try { subject = first ? new X509Certificate(first).subject.replace(/\n/g, ', ') : null; } catch { subject = null; }
    return { configured: true, alg: creds.alg, subject };
  }

  /** Copies the chain and key (read from the given files) into the app data folder. Refuses a project folder as the app data folder. */
  async set(certFile: string, keyFile: string, alg: C2paAlg, projectDir: string | null): Promise<SigningStatus> {
    if (alg !== 'es256' && alg !== 'ps256') throw new ValidationError(`alg is ${JSON.stringify(alg)}; expected "es256" or "ps256"`);
    if (projectDir && inside(projectDir, this.dir)) throw new ValidationError('the app data folder is inside the open project; expected the signing key to stay outside every project folder');
    const certChainPem = await readFile(certFile, 'utf8');
    const privateKeyPem = await readFile(keyFile, 'utf8');
    if (!/-----BEGIN CERTIFICATE-----/.test(certChainPem)) throw new ValidationError('cert is not a PEM certificate chain; expected the signing certificate first, then its issuers, as PEM');
    let keyType: string | undefined;
    try {
      keyType = createPrivateKey(privateKeyPem).asymmetricKeyType; // the key itself is never echoed
    } catch {
      throw new ValidationError('key is not an unencrypted PEM private key; expected PKCS#8, SEC1 or PKCS#1 PEM');
    }
    if ((alg === 'es256' && keyType !== 'ec') || (alg === 'ps256' && keyType !== 'rsa' && keyType !== 'rsa-pss')) {
      throw new ValidationError(`key is a ${keyType} key; expected ${alg === 'es256' ? 'a P-256 EC key for es256' : 'an RSA key for ps256'}`);
    }
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFile(join(this.dir, 'chain.pem'), certChainPem, { mode: 0o600 });
    await writeFile(join(this.dir, 'key.pem'), privateKeyPem, { mode: 0o600 });
    await chmod(join(this.dir, 'key.pem'), 0o600);
    writeFileAtomicSync(join(this.dir, SETTINGS), JSON.stringify({ alg, chain: 'chain.pem', key: 'key.pem' }));
    return this.status();
  }

  async clear(): Promise<SigningStatus> {
    await rm(this.dir, { recursive: true, force: true });
    return this.status();
  }

  /** The credentials, or null when none are set. */
  async load(): Promise<SigningCredentials | null> {
    const file = join(this.dir, SETTINGS);
    if (!existsSync(file)) return null;
    const s = JSON.parse(await readFile(file, 'utf8')) as { alg: C2paAlg; chain: string; key: string };
    return { alg: s.alg, certChainPem: await readFile(join(this.dir, s.chain), 'utf8'), privateKeyPem: await readFile(join(this.dir, s.key), 'utf8') };
  }
}
