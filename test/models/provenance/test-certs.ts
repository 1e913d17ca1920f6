// A throwaway C2PA certificate chain made at run time with openssl (never stored in the repository):
// a self-signed test root CA and end-entity signers issued by it. What c2pa-rs accepts as a signer (found
// by trying, see models/provenance/README.md): CA:FALSE, keyUsage digitalSignature, extendedKeyUsage
// emailProtection; a self-signed or CA certificate, or one without that EKU, is refused.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CONFIG = `[req]
distinguished_name = dn
prompt = no
[dn]
[root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[signer]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
`;

export interface TestSigner { certChainPem: string; privateKeyPem: string }

export interface TestPki {
  rootPem: string;
  /** An issued signer; `profile` picks the extensions (signer: valid for C2PA, server: wrong EKU). */
  issue(name: string, key: 'ec' | 'rsa', profile?: 'signer' | 'server'): TestSigner;
  cleanup(): void;
}

export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'leffa-c2pa-pki-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const genKey = (file: string, key: 'ec' | 'rsa') =>
    key === 'ec'
      ? ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file)
      : ssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', file);
  writeFileSync(join(dir, 'pki.cnf'), CONFIG);
  genKey('root.key', 'ec');
  ssl('req', '-x509', '-new', '-config', 'pki.cnf', '-extensions', 'root', '-key', 'root.key', '-sha256', '-days', '2', '-subj', '/CN=Leffa Studio Test Root/O=Leffa Studio tests', '-out', 'root.pem');
  const rootPem = readFileSync(join(dir, 'root.pem'), 'utf8');
  return {
    rootPem,
    issue(name, key, profile = 'signer') {
      genKey(`${name}.key`, key);
      ssl('req', '-new', '-config', 'pki.cnf', '-key', `${name}.key`, '-subj', `/CN=${name}/O=Leffa Studio tests`, '-out', `${name}.csr`);
      ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-sha256', '-days', '2',
        '-extfile', 'pki.cnf', '-extensions', profile, '-out', `${name}.pem`);
      return { certChainPem: readFileSync(join(dir, `${name}.pem`), 'utf8') + rootPem, privateKeyPem: readFileSync(join(dir, `${name}.key`), 'utf8') };
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
