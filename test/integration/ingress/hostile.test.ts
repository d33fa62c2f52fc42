/**
 * Hostile input over HTTP: forged and replayed signatures, wrong and
 * repeated credentials, bodies over the limit (with and without a
 * Content-Length), clients that trickle their bytes, malformed and oversized
 * headers. Each gets its documented status and error code, none is landed
 * (every raw topic's count is checked after each test), and the ingress keeps
 * serving. Requests `fetch` would refuse to send go over a raw TCP socket.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/config.ts';
import type { RunningIngress } from '../../../src/ingress/server.ts';
import { SOURCES } from '../../../src/providers/index.ts';
import type { Source } from '../../../src/providers/index.ts';
import { post } from '../../support/http.ts';
import {
  HAPPYCOLIS_SECRET,
  ONGOING_TOKEN,
  SHIPWELL_CREDENTIALS,
  basicAuth,
  countRecords,
  happycolisSignature,
  header,
  readTopic,
  startTestIngress,
} from '../../support/ingress.ts';
import { byteByByte, chunked, rawExchange, requestHead } from '../../support/raw-http.ts';

/** Deadlines and limits of the ingress under test: short, so that slow clients are cut off soon. */
const LIMITS = {
  WHARF_MAX_BODY_BYTES: String(64 * 1024),
  WHARF_HEADERS_TIMEOUT_MS: '1000',
  WHARF_REQUEST_TIMEOUT_MS: '2000',
  WHARF_KEEP_ALIVE_TIMEOUT_MS: '1000',
};
const MAX_BODY = 64 * 1024;
const SIGNATURE = 'x-happycolis-webhook-signature';
const TOKEN = 'x-ongoing-token';

const order = (id: string) => JSON.stringify({ header: { type: 'order/created' }, body: { id } });

describe('ingress under hostile input', () => {
  let ingress: RunningIngress & { config: Config };
  /** Records each source's raw topic must hold: only what a test landed on purpose. */
  const landed = Object.fromEntries(SOURCES.map((source) => [source, 0])) as Record<Source, number>;
  const host = () => new URL(ingress.url).host;

  beforeAll(async () => {
    ingress = await startTestIngress(LIMITS);
  });
  afterAll(async () => {
    await ingress.shutdown();
  });
  afterEach(async () => {
    // Nothing hostile was landed, and the ingress still serves.
    for (const source of SOURCES) {
      expect(await countRecords(ingress.config.ingress.sources[source].rawTopic), source).toBe(
        landed[source],
      );
    }
    expect((await fetch(`${ingress.metricsUrl}/livez`)).status).toBe(200);
  });

  it('a genuine webhook still lands (the counts checked after each test can move)', async () => {
    const body = order('genuine');
    const answer = await post(ingress.url, '/webhooks/happycolis', body, {
      [SIGNATURE]: happycolisSignature(body),
    });
    expect(answer.status).toBe(200);
    landed.happycolis++;
  });

  describe('HappyColis signatures', () => {
    const body = order('o-1');
    const valid = happycolisSignature(body);
    const cases: [string, string, Record<string, string>, string][] = [
      [
        'forged (random bytes)',
        body,
        { [SIGNATURE]: randomBytes(32).toString('base64') },
        'SIGNATURE_INVALID',
      ],
      [
        'made with another secret',
        body,
        { [SIGNATURE]: happycolisSignature(body, 'guessed') },
        'SIGNATURE_INVALID',
      ],
      [
        'truncated by four characters',
        body,
        { [SIGNATURE]: valid.slice(0, -4) },
        'SIGNATURE_INVALID',
      ],
      ['cut to half', body, { [SIGNATURE]: valid.slice(0, 22) }, 'SIGNATURE_INVALID'],
      [
        'hex instead of base64',
        body,
        { [SIGNATURE]: createHmac('sha256', HAPPYCOLIS_SECRET).update(body).digest('hex') },
        'SIGNATURE_INVALID',
      ],
      ['replayed with a changed field', order('o-2'), { [SIGNATURE]: valid }, 'SIGNATURE_INVALID'],
      [
        'replayed with a trailing newline',
        `${body}\n`,
        { [SIGNATURE]: valid },
        'SIGNATURE_INVALID',
      ],
      [
        'replayed re-serialised',
        JSON.stringify(JSON.parse(body), null, 2),
        { [SIGNATURE]: valid },
        'SIGNATURE_INVALID',
      ],
      ['of a truncated body', body.slice(0, -1), { [SIGNATURE]: valid }, 'SIGNATURE_INVALID'],
      ['empty', body, { [SIGNATURE]: '' }, 'AUTH_MISSING'],
      ['absent', body, {}, 'AUTH_MISSING'],
      ['in the Authorization header instead', body, { authorization: valid }, 'AUTH_MISSING'],
    ];
    it.each(cases)('signature %s: 401 %s', async (_name, sent, headers, code) => {
      const answer = await post(ingress.url, '/webhooks/happycolis', sent, headers);
      expect(answer.status).toBe(401);
      expect(answer.json.error).toMatchObject({ code });
    });
  });

  describe('credentials', () => {
    const [user = '', password = ''] = SHIPWELL_CREDENTIALS.split(':');
    const cases: [string, Source, Record<string, string>, string][] = [
      [
        'Basic with a wrong password',
        'shipwell',
        { authorization: basicAuth(`${user}:wrong`) },
        'AUTH_INVALID',
      ],
      [
        'Basic with an unknown user',
        'shipwell',
        { authorization: basicAuth(`intruder:${password}`) },
        'AUTH_INVALID',
      ],
      ['Basic without a password', 'shipwell', { authorization: basicAuth(user) }, 'AUTH_INVALID'],
      [
        'Basic of another source',
        'shipwell',
        { authorization: basicAuth(ONGOING_TOKEN) },
        'AUTH_INVALID',
      ],
      [
        'Basic that is not base64',
        'shipwell',
        { authorization: 'Basic !!not-base64!!' },
        'AUTH_MISSING',
      ],
      [
        'a Bearer token instead of Basic',
        'shipwell',
        { authorization: `Bearer ${password}` },
        'AUTH_MISSING',
      ],
      ['no Authorization', 'shipwell', {}, 'AUTH_MISSING'],
      ['a wrong token', 'ongoing', { [TOKEN]: 'guessed-token' }, 'AUTH_INVALID'],
      ['a token prefix', 'ongoing', { [TOKEN]: ONGOING_TOKEN.slice(0, -1) }, 'AUTH_INVALID'],
      ['a token with a suffix', 'ongoing', { [TOKEN]: `${ONGOING_TOKEN}x` }, 'AUTH_INVALID'],
      ['the token in Authorization', 'ongoing', { authorization: ONGOING_TOKEN }, 'AUTH_MISSING'],
      [
        'the token as Basic',
        'ongoing',
        { authorization: basicAuth(`x:${ONGOING_TOKEN}`) },
        'AUTH_MISSING',
      ],
    ];
    it.each(cases)('%s: 401 %s', async (_name, source, headers, code) => {
      const answer = await post(ingress.url, `/webhooks/${source}`, '{}', headers);
      expect(answer.status).toBe(401);
      expect(answer.json.error).toMatchObject({ code });
    });
  });

  describe('repeated credential headers (which copy counts would be a guess)', () => {
    const body = order('o-dup');
    const valid = happycolisSignature(body);
    const good = basicAuth(SHIPWELL_CREDENTIALS);
    const bad = basicAuth('shipwell-user:wrong');
    const cases: [string, Source, [string, string][]][] = [
      [
        'Authorization, valid then invalid',
        'shipwell',
        [
          ['authorization', good],
          ['authorization', bad],
        ],
      ],
      [
        'Authorization, invalid then valid',
        'shipwell',
        [
          ['authorization', bad],
          ['authorization', good],
        ],
      ],
      [
        'Authorization, valid twice',
        'shipwell',
        [
          ['authorization', good],
          ['authorization', good],
        ],
      ],
      [
        'the token header, valid twice',
        'ongoing',
        [
          [TOKEN, ONGOING_TOKEN],
          [TOKEN, ONGOING_TOKEN],
        ],
      ],
      [
        'the signature, valid then forged',
        'happycolis',
        [
          [SIGNATURE, valid],
          [SIGNATURE, 'Zm9yZ2Vk'],
        ],
      ],
    ];
    it.each(cases)('%s: 401 AUTH_INVALID', async (_name, source, credentials) => {
      const head = requestHead('POST', `/webhooks/${source}`, [
        ['host', host()],
        ['content-type', 'application/json'],
        ['content-length', String(Buffer.byteLength(body))],
        ['connection', 'close'],
        ...credentials,
      ]);
      const answer = await rawExchange(ingress.url, [head + body]);
      expect(answer.status).toBe(401);
      expect(answer.errorCode).toBe('AUTH_INVALID');
    });
  });

  describe('bodies over the limit', () => {
    const ongoingHead = (extra: [string, string][]) =>
      requestHead('POST', '/webhooks/ongoing', [
        ['host', host()],
        ['content-type', 'application/json'],
        [TOKEN, ONGOING_TOKEN],
        ...extra,
      ]);

    it('with a Content-Length over the limit: 413 PAYLOAD_TOO_LARGE', async () => {
      const answer = await post(ingress.url, '/webhooks/ongoing', Buffer.alloc(MAX_BODY + 1, 'a'), {
        [TOKEN]: ONGOING_TOKEN,
      });
      expect(answer.status).toBe(413);
      expect(answer.json.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    });

    it('chunked, without a Content-Length, past the limit: 413 before the client has sent it all', async () => {
      const body = Buffer.alloc(16 * MAX_BODY, 'a');
      const answer = await rawExchange(ingress.url, [
        ongoingHead([['transfer-encoding', 'chunked']]),
        ...chunked(body, 4096),
      ]);
      expect(answer.status).toBe(413);
      expect(answer.errorCode).toBe('PAYLOAD_TOO_LARGE');
    });

    it('chunked and signed, past the limit: 413 (the size is checked, not only the signature)', async () => {
      const body = Buffer.from(order('x'.repeat(MAX_BODY)));
      const answer = await rawExchange(ingress.url, [
        requestHead('POST', '/webhooks/happycolis', [
          ['host', host()],
          ['content-type', 'application/json'],
          [SIGNATURE, happycolisSignature(body)],
          ['transfer-encoding', 'chunked'],
        ]),
        ...chunked(body, 8192),
      ]);
      expect(answer.status).toBe(413);
      expect(answer.errorCode).toBe('PAYLOAD_TOO_LARGE');
    });

    it('compressed (Content-Encoding: gzip), even when signed as sent: 415 UNSUPPORTED_CONTENT_ENCODING, nothing landed', async () => {
      const body = gzipSync(order('gzipped'));
      const answer = await post(ingress.url, '/webhooks/happycolis', body, {
        [SIGNATURE]: happycolisSignature(body),
        'content-encoding': 'gzip',
      });
      expect(answer.status).toBe(415);
      expect(answer.json.error).toMatchObject({ code: 'UNSUPPORTED_CONTENT_ENCODING' });
    });

    it('with both Content-Length and Transfer-Encoding (request smuggling): 400 BAD_REQUEST', async () => {
      const answer = await rawExchange(ingress.url, [
        ongoingHead([
          ['content-length', '4'],
          ['transfer-encoding', 'chunked'],
        ]),
        ...chunked(Buffer.from('{}'), 2),
      ]);
      expect(answer.status).toBe(400);
      expect(answer.errorCode).toBe('BAD_REQUEST');
    });

    it('a Content-Length the client does not honour before hanging up: nothing landed', async () => {
      const answer = await rawExchange(
        ingress.url,
        [ongoingHead([['content-length', '1000']]), '{"half": '],
        { endAfterParts: true },
      );
      expect(answer.status === undefined || answer.status === 400).toBe(true);
    });
  });

  describe('slow clients are cut off by the server deadlines', () => {
    it('headers trickled a byte at a time: 408, connection closed', async () => {
      const head = requestHead('POST', '/webhooks/ongoing', [
        ['host', host()],
        [TOKEN, ONGOING_TOKEN],
        ['x-padding', 'p'.repeat(600)],
      ]);
      // 100 ms a byte: the headers alone would take over a minute.
      const answer = await rawExchange(ingress.url, byteByByte(head), { gapMs: 100 });
      expect(answer.status).toBe(408);
      expect(answer.errorCode).toBe('BAD_REQUEST');
      expect(answer.bytesWritten).toBeLessThan(head.length);
    });

    it('a body trickled a byte at a time: 408, connection closed', async () => {
      const body = JSON.stringify({ orderId: 1, padding: 'p'.repeat(600) });
      const head = requestHead('POST', '/webhooks/ongoing', [
        ['host', host()],
        ['content-type', 'application/json'],
        [TOKEN, ONGOING_TOKEN],
        ['content-length', String(body.length)],
      ]);
      const answer = await rawExchange(ingress.url, [head, ...byteByByte(body)], { gapMs: 100 });
      expect(answer.status).toBe(408);
      expect(answer.errorCode).toBe('BAD_REQUEST');
      expect(answer.bytesWritten).toBeLessThan(head.length + body.length);
    });

    it('a body that never comes: 408, connection closed', async () => {
      const answer = await rawExchange(ingress.url, [
        requestHead('POST', '/webhooks/ongoing', [
          ['host', host()],
          ['content-type', 'application/json'],
          [TOKEN, ONGOING_TOKEN],
          ['content-length', '100'],
        ]),
      ]);
      expect(answer.status).toBe(408);
    });

    it('an idle keep-alive connection is closed', async () => {
      const answer = await rawExchange(ingress.url, [
        requestHead('GET', '/webhooks/nosuchsource', [['host', host()]]),
      ]);
      expect(answer.status).toBe(404);
    });
  });

  describe('header injection and oversized headers', () => {
    const base = (extra: string) =>
      `POST /webhooks/ongoing HTTP/1.1\r\nhost: ${host()}\r\ncontent-type: application/json\r\n` +
      `${TOKEN}: ${ONGOING_TOKEN}\r\ncontent-length: 2\r\n${extra}\r\n{}`;
    const cases: [string, string, number][] = [
      ['a bare CR inside a header value', `x-note: a\rwharf-source: shipwell\r\n`, 400],
      ['a NUL inside a header value', 'x-note: a\u0000b\r\n', 400],
      ['a header name with a space', 'x bad: 1\r\n', 400],
      ['a folded (obs-fold) header line', 'x-note: a\r\n  wharf-source: shipwell\r\n', 400],
      ['one 20 KiB header', `x-big: ${'b'.repeat(20 * 1024)}\r\n`, 431],
      [
        '3,000 small headers',
        Array.from({ length: 3000 }, (_, i) => `x-h${String(i)}: v\r\n`).join(''),
        431,
      ],
    ];
    it.each(cases)('%s: %i BAD_REQUEST, nothing landed', async (_name, extra, status) => {
      const answer = await rawExchange(ingress.url, [base(extra)]);
      expect(answer.status).toBe(status);
      expect(answer.errorCode).toBe('BAD_REQUEST');
    });

    it('headers a genuine sender adds cannot pose as the ingress record headers', async () => {
      const body = order('spoof');
      const answer = await post(ingress.url, '/webhooks/happycolis', body, {
        [SIGNATURE]: happycolisSignature(body),
        'wharf-source': 'shipwell',
        'wharf-request-id': 'chosen-by-the-sender',
        'wharf-received-at': '2000-01-01T00:00:00.000Z',
        cookie: 'session=secret',
        'user-agent': 'HappyColis-Webhooks/1.0',
      });
      expect(answer.status).toBe(200);
      landed.happycolis++;
      const records = await readTopic(
        ingress.config.ingress.sources.happycolis.rawTopic,
        landed.happycolis,
      );
      const record = records.find(
        (candidate) => header(candidate, 'wharf-request-id') === answer.json.id,
      );
      expect(record && header(record, 'wharf-source')).toBe('happycolis');
      expect(record && header(record, 'wharf-received-at')).not.toBe('2000-01-01T00:00:00.000Z');
      expect(record && header(record, 'cookie')).toBeUndefined();
      expect(record && header(record, 'user-agent')).toBe('HappyColis-Webhooks/1.0');
    });
  });
});
