/**
 * Certificates for the secured test Kafka, made with openssl in a folder of
 * the caller's: a CA; the broker's certificate signed by it (valid for
 * `localhost` and 127.0.0.1), with its key and the CA in a PKCS#12 keystore;
 * a client certificate signed by it (mutual TLS); and a second CA, unknown to
 * the broker, with a client certificate of its own (refused).
 *
 * Keys are P-256 (quick to make). PEM files are what Node's TLS reads; the
 * broker reads its keystore as PKCS#12 and its truststore as PEM.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const VALID_DAYS = '2';

/** A certificate and its private key, PEM files. */
export interface KeyPair {
  readonly certFile: string;
  /** Unencrypted PKCS#8. */
  readonly keyFile: string;
}

/** The files {@link generateCertificates} writes. */
export interface TestCertificates {
  /** The CA the broker's and the good client's certificates are signed by. */
  readonly ca: KeyPair;
  /** The broker's certificate (SAN DNS:localhost, IP:127.0.0.1) and key. */
  readonly broker: KeyPair;
  /** The broker's key, its certificate and the CA, PKCS#12 under {@link keystorePassword}. */
  readonly brokerKeystoreFile: string;
  readonly keystorePassword: string;
  /** A client certificate signed by {@link ca}. */
  readonly client: KeyPair;
  /** A CA the broker does not know. */
  readonly unknownCa: KeyPair;
  /** A client certificate signed by {@link unknownCa}. */
  readonly unknownClient: KeyPair;
}

async function openssl(args: readonly string[]): Promise<void> {
  await run('openssl', [...args], { timeout: 30_000 }).catch((error: unknown) => {
    const stderr = error instanceof Error && 'stderr' in error ? String(error.stderr) : '';
    throw new Error(`openssl ${args[0] ?? ''} failed: ${stderr}`, { cause: error });
  });
}

const NEW_P256_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-noenc'];

/** A self-signed CA certificate and its key, `<name>.crt` and `<name>.key`. */
async function createAuthority(dir: string, name: string, commonName: string): Promise<KeyPair> {
  const pair = { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
  await openssl([
    'req',
    '-x509',
    ...NEW_P256_KEY,
    '-keyout',
    pair.keyFile,
    '-out',
    pair.certFile,
    '-days',
    VALID_DAYS,
    '-subj',
    `/CN=${commonName}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return pair;
}

/** A leaf certificate signed by `authority`, with the extensions given (one per line). */
async function issueCertificate(
  dir: string,
  name: string,
  authority: KeyPair,
  subject: { commonName: string; extensions: readonly string[] },
): Promise<KeyPair> {
  const pair = { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
  const request = join(dir, `${name}.csr`);
  const extensions = join(dir, `${name}.ext`);
  await openssl([
    'req',
    '-new',
    ...NEW_P256_KEY,
    '-keyout',
    pair.keyFile,
    '-out',
    request,
    '-subj',
    `/CN=${subject.commonName}`,
  ]);
  await writeFile(
    extensions,
    ['basicConstraints=critical,CA:FALSE', ...subject.extensions].join('\n') + '\n',
  );
  await openssl([
    'x509',
    '-req',
    '-in',
    request,
    '-CA',
    authority.certFile,
    '-CAkey',
    authority.keyFile,
    '-set_serial',
    `0x${randomBytes(8).toString('hex')}`,
    '-days',
    VALID_DAYS,
    '-extfile',
    extensions,
    '-out',
    pair.certFile,
  ]);
  return pair;
}

const SERVER = [
  'keyUsage=critical,digitalSignature',
  'extendedKeyUsage=serverAuth',
  'subjectAltName=DNS:localhost,IP:127.0.0.1',
];
const CLIENT = ['keyUsage=critical,digitalSignature', 'extendedKeyUsage=clientAuth'];

/** Writes the test's CAs, certificates, keys and the broker's keystore into `dir`. */
export async function generateCertificates(dir: string): Promise<TestCertificates> {
  const ca = await createAuthority(dir, 'ca', 'Wharf Test CA');
  const unknownCa = await createAuthority(dir, 'unknown-ca', 'Unknown Test CA');
  const [broker, client, unknownClient] = await Promise.all([
    issueCertificate(dir, 'broker', ca, { commonName: 'localhost', extensions: SERVER }),
    issueCertificate(dir, 'client', ca, { commonName: 'wharf-client', extensions: CLIENT }),
    issueCertificate(dir, 'unknown-client', unknownCa, {
      commonName: 'stranger',
      extensions: CLIENT,
    }),
  ]);
  const keystorePassword = randomBytes(12).toString('hex');
  const brokerKeystoreFile = join(dir, 'broker.p12');
  await openssl([
    'pkcs12',
    '-export',
    '-name',
    'broker',
    '-inkey',
    broker.keyFile,
    '-in',
    broker.certFile,
    '-certfile',
    ca.certFile,
    '-passout',
    `pass:${keystorePassword}`,
    '-out',
    brokerKeystoreFile,
  ]);
  return { ca, broker, brokerKeystoreFile, keystorePassword, client, unknownCa, unknownClient };
}
