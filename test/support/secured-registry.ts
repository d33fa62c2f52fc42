/**
 * A schema registry as a secured deployment serves it: https with a
 * certificate of its own CA, client certificates required, and HTTP basic
 * auth, in front of the embedded registry (as a TLS-terminating proxy).
 */
import { once } from 'node:events';
import { request } from 'node:http';
import { createServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCertificates } from './certificates.ts';
import type { TestCertificates } from './certificates.ts';
import type { Credentials } from './secured-kafka.ts';

/** A running secured registry. */
export interface SecuredRegistry {
  /** `https://127.0.0.1:<port>` */
  readonly url: string;
  readonly user: Credentials;
  /** The CA of the registry's certificate, and a client certificate it accepts. */
  readonly certificates: TestCertificates;
  /** Requests answered 401 so far. */
  refused(): number;
  close(): Promise<void>;
}

const USER: Credentials = { username: 'registry-key', password: 'registry-secret' };

function forward(target: URL, req: IncomingMessage, res: ServerResponse): void {
  const upstream = request(
    new URL(req.url ?? '/', target),
    { method: req.method, headers: { ...req.headers, host: target.host } },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
}

/** Starts the secured front of the registry at `targetUrl`. */
export async function startSecuredRegistry(targetUrl: string): Promise<SecuredRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'wharf-secured-registry-'));
  const certificates = await generateCertificates(dir);
  const expected = `Basic ${Buffer.from(`${USER.username}:${USER.password}`).toString('base64')}`;
  let refused = 0;
  const server = createServer(
    {
      cert: await readFile(certificates.broker.certFile),
      key: await readFile(certificates.broker.keyFile),
      ca: await readFile(certificates.ca.certFile),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      if (req.headers.authorization !== expected) {
        refused++;
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error_code: 401, message: 'Unauthorized' }));
        return;
      }
      forward(new URL(targetUrl), req, res);
    },
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${String(port)}`,
    user: USER,
    certificates,
    refused: () => refused,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
