/**
 * The embedded registry's REST surface with plain `fetch`: status codes, Confluent error codes and
 * bodies, content types, and robustness against bad requests.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  createRegistryApp,
  REGISTRY_CONTENT_TYPE,
  SchemaStore,
  startEmbeddedRegistry,
} from '../../../src/registry/index.ts';
import type { EmbeddedRegistry } from '../../../src/registry/index.ts';

const SUBJECT = 'http-api-value';
const v1 = {
  type: 'record',
  name: 'Shipment',
  namespace: 'com.acme',
  fields: [{ name: 'id', type: 'string' }],
};
const breaking = { ...v1, fields: [{ name: 'id', type: 'int' }] };

let registry: EmbeddedRegistry;

interface Answer {
  readonly status: number;
  readonly contentType: string | null;
  readonly body: unknown;
}

async function call(method: string, path: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(`${registry.url}${path}`, { method, ...init });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: JSON.parse(text) as unknown,
  };
}

function withJson(body: unknown, contentType = REGISTRY_CONTENT_TYPE): RequestInit {
  return { headers: { 'content-type': contentType }, body: JSON.stringify(body) };
}

function schemaBody(schema: unknown): RequestInit {
  return withJson({ schema: JSON.stringify(schema) });
}

beforeAll(async () => {
  registry = await startEmbeddedRegistry();
  const registered = await call('POST', `/subjects/${SUBJECT}/versions`, schemaBody(v1));
  expect(registered).toMatchObject({ status: 200, body: { id: 1 } });
});

afterAll(async () => {
  await registry.close();
});

describe('successful answers', () => {
  it('use the Confluent content type', async () => {
    const answer = await call('GET', '/subjects');
    expect(answer.status).toBe(200);
    expect(answer.contentType?.startsWith(REGISTRY_CONTENT_TYPE)).toBe(true);
    expect(answer.body).toEqual([SUBJECT]);
  });

  it.each([
    'application/vnd.schemaregistry.v1+json',
    'application/vnd.schemaregistry+json',
    'application/json',
  ])('accept request bodies of %s', async (contentType) => {
    const answer = await call(
      'POST',
      `/subjects/${SUBJECT}`,
      withJson({ schema: JSON.stringify(v1) }, contentType),
    );
    expect(answer).toMatchObject({ status: 200, body: { subject: SUBJECT, version: 1, id: 1 } });
  });

  it('serve a schema by id and a version in Confluent shape', async () => {
    const byId = await call('GET', '/schemas/ids/1');
    expect(byId.status).toBe(200);
    expect(Object.keys(byId.body as object)).toEqual(['schema']);
    const version = await call('GET', `/subjects/${SUBJECT}/versions/1`);
    expect(version.body).toEqual({
      subject: SUBJECT,
      version: 1,
      id: 1,
      schema: (byId.body as { schema: string }).schema,
    });
  });

  it('get and set the global configuration', async () => {
    expect((await call('GET', '/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
    expect((await call('PUT', '/config', withJson({ compatibility: 'full' }))).body).toEqual({
      compatibility: 'FULL',
    });
    expect((await call('GET', '/config/unconfigured?defaultToGlobal=true')).body).toEqual({
      compatibilityLevel: 'FULL',
    });
    await call('PUT', '/config', withJson({ compatibility: 'BACKWARD' }));
  });

  it('set, read and delete a subject configuration', async () => {
    const subject = 'configured-value';
    expect(
      (await call('PUT', `/config/${subject}`, withJson({ compatibility: 'NONE' }))).status,
    ).toBe(200);
    expect((await call('GET', `/config/${subject}`)).body).toEqual({ compatibilityLevel: 'NONE' });
    expect((await call('DELETE', `/config/${subject}`)).body).toEqual({
      compatibilityLevel: 'NONE',
    });
    expect((await call('GET', `/config/${subject}`)).status).toBe(404);
  });

  it('test compatibility, with reasons only when verbose', async () => {
    const path = `/compatibility/subjects/${SUBJECT}/versions/latest`;
    // As Confluent answers: no `messages` at all unless asked for.
    expect((await call('POST', path, schemaBody(v1))).body).toEqual({ is_compatible: true });
    expect((await call('POST', path, schemaBody(breaking))).body).toEqual({
      is_compatible: false,
    });
    const verbose = await call('POST', `${path}?verbose=true`, schemaBody(breaking));
    expect(verbose.body).toMatchObject({ is_compatible: false });
    const { messages } = verbose.body as { messages: string[] };
    expect(messages.join()).toContain('com.acme.Shipment.id');
    expect(messages.join()).toContain('cannot read');
    expect(
      (
        await call(
          'POST',
          `/compatibility/subjects/${SUBJECT}/versions/1?verbose=true`,
          schemaBody(v1),
        )
      ).body,
    ).toEqual({ is_compatible: true, messages: [] });
    // Against every version registration would check, as Confluent's path without a version does.
    expect(
      (await call('POST', `/compatibility/subjects/${SUBJECT}/versions`, schemaBody(breaking)))
        .body,
    ).toEqual({ is_compatible: false });
    // Verbose, an invalid schema is an answer too (not compatible, and why), as in Confluent.
    const invalid = await call(
      'POST',
      `${path}?verbose=true`,
      schemaBody({ type: 'record', name: 'R' }),
    );
    expect(invalid.status).toBe(200);
    expect(invalid.body).toMatchObject({ is_compatible: false, messages: [expect.any(String)] });
    // Testing registers nothing.
    expect((await call('GET', `/subjects/${SUBJECT}/versions`)).body).toEqual([1]);
  });
});

type ErrorCase = [
  label: string,
  method: string,
  path: string,
  init: RequestInit,
  status: number,
  code: number,
];

const errorCases: ErrorCase[] = [
  ['unknown subject', 'GET', '/subjects/nope/versions', {}, 404, 40401],
  ['unknown subject version', 'GET', '/subjects/nope/versions/1', {}, 404, 40401],
  ['unknown version', 'GET', `/subjects/${SUBJECT}/versions/9`, {}, 404, 40402],
  ['unknown schema id', 'GET', '/schemas/ids/9999', {}, 404, 40403],
  ['non-numeric schema id', 'GET', '/schemas/ids/abc', {}, 404, 40403],
  [
    'lookup of an unregistered schema',
    'POST',
    `/subjects/${SUBJECT}`,
    schemaBody(breaking),
    404,
    40403,
  ],
  ['lookup under an unknown subject', 'POST', '/subjects/nope', schemaBody(v1), 404, 40401],
  ['unconfigured subject compatibility', 'GET', '/config/nope', {}, 404, 40408],
  ['delete of an unknown subject', 'DELETE', '/subjects/nope', {}, 404, 40401],
  [
    'compatibility against a missing version',
    'POST',
    `/compatibility/subjects/${SUBJECT}/versions/5`,
    schemaBody(v1),
    404,
    40402,
  ],
  [
    'compatibility against a version of an unknown subject',
    'POST',
    '/compatibility/subjects/nope/versions/1',
    schemaBody(v1),
    404,
    40402,
  ],
  [
    'compatibility test of invalid Avro (not verbose)',
    'POST',
    `/compatibility/subjects/${SUBJECT}/versions/latest`,
    schemaBody({ type: 'record', name: 'R' }),
    422,
    42201,
  ],
  [
    'incompatible registration',
    'POST',
    `/subjects/${SUBJECT}/versions`,
    schemaBody(breaking),
    409,
    409,
  ],
  [
    'invalid Avro',
    'POST',
    '/subjects/x/versions',
    schemaBody({ type: 'record', name: 'R' }),
    422,
    42201,
  ],
  [
    'schema text that is not JSON',
    'POST',
    '/subjects/x/versions',
    withJson({ schema: '{nope' }),
    422,
    42201,
  ],
  [
    'PROTOBUF',
    'POST',
    '/subjects/x/versions',
    withJson({ schema: 'syntax = "proto3";', schemaType: 'PROTOBUF' }),
    422,
    42201,
  ],
  [
    'JSON schema',
    'POST',
    '/subjects/x/versions',
    withJson({ schema: '{}', schemaType: 'JSON' }),
    422,
    42201,
  ],
  [
    'references',
    'POST',
    '/subjects/x/versions',
    withJson({
      schema: JSON.stringify(v1),
      references: [{ name: 'a', subject: 'b', version: 1 }],
    }),
    422,
    42201,
  ],
  ['non-numeric version', 'GET', `/subjects/${SUBJECT}/versions/abc`, {}, 422, 42202],
  ['version zero', 'GET', `/subjects/${SUBJECT}/versions/0`, {}, 422, 42202],
  [
    'invalid compatibility level',
    'PUT',
    '/config',
    withJson({ compatibility: 'SIDEWAYS' }),
    422,
    42203,
  ],
  [
    'invalid subject compatibility level',
    'PUT',
    '/config/x',
    withJson({ compatibility: 'SIDEWAYS' }),
    422,
    42203,
  ],
  [
    'malformed JSON body',
    'POST',
    '/subjects/x/versions',
    { headers: { 'content-type': 'application/json' }, body: '{"schema": ' },
    422,
    422,
  ],
  [
    'JSON body of the wrong shape',
    'POST',
    '/subjects/x/versions',
    withJson({ schema: 42 }),
    422,
    422,
  ],
  [
    'JSON body that is not an object',
    'POST',
    '/subjects/x/versions',
    withJson('just a string'),
    422,
    422,
  ],
  ['missing body', 'POST', '/subjects/x/versions', {}, 422, 422],
  ['config body without a level', 'PUT', '/config', withJson({}), 422, 422],
  [
    'unsupported content type',
    'POST',
    '/subjects/x/versions',
    { headers: { 'content-type': 'text/plain' }, body: '{}' },
    415,
    415,
  ],
  ['unknown route', 'GET', '/nothing/here', {}, 404, 404],
  [
    'unknown method on a known path',
    'PATCH',
    '/config',
    withJson({ compatibility: 'NONE' }),
    404,
    404,
  ],
  ['wrongly cased route', 'GET', '/Subjects', {}, 404, 404],
];

describe('error answers', () => {
  const titled = errorCases.map(([label, ...rest]): ErrorCase => [
    `${label} → ${rest[3]} / ${rest[4]}`,
    ...rest,
  ]);
  it.each(titled)('%s', async (_title, method, path, init, status, errorCode) => {
    const answer = await call(method, path, init);
    expect(answer.status).toBe(status);
    expect(answer.contentType?.startsWith(REGISTRY_CONTENT_TYPE)).toBe(true);
    expect(answer.body).toEqual({ error_code: errorCode, message: expect.any(String) as unknown });
    expect((answer.body as { message: string }).message.length).toBeGreaterThan(0);
  });

  it('explain invalid Avro with the parser message', async () => {
    const answer = await call('POST', '/subjects/x/versions', schemaBody({ type: 'strin' }));
    expect((answer.body as { message: string }).message).toContain('unknown type');
  });

  it('refuse bodies over the size limit with 413', async () => {
    const huge = { schema: JSON.stringify({ ...v1, doc: 'x'.repeat(1024 * 1024) }) };
    const answer = await call('POST', '/subjects/x/versions', withJson(huge));
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ error_code: 413 });
  });

  it('leave the server serving after bad requests', async () => {
    await call('POST', '/subjects/x/versions', {
      headers: { 'content-type': 'application/json' },
      body: '][',
    });
    expect((await call('GET', `/subjects/${SUBJECT}/versions`)).body).toEqual([1]);
  });
});

describe('lifecycle', () => {
  it('closes idempotently and stops accepting connections', async () => {
    const own = await startEmbeddedRegistry();
    expect((await fetch(`${own.url}/subjects`)).status).toBe(200);
    await Promise.all([own.close(), own.close()]);
    await expect(fetch(`${own.url}/subjects`)).rejects.toThrow();
  });

  it('logs requests through the given logger', async () => {
    const entries: Record<string, unknown>[] = [];
    const logger = {
      debug: (details: Record<string, unknown>) => entries.push(details),
      error: (details: Record<string, unknown>) => entries.push(details),
    };
    const own = await startEmbeddedRegistry({ logger });
    try {
      await fetch(`${own.url}/subjects/nope/versions`);
    } finally {
      await own.close();
    }
    expect(entries).toContainEqual({ method: 'GET', url: '/subjects/nope/versions', status: 404 });
  });

  it('reports a port that is already taken', async () => {
    const port = Number(new URL(registry.url).port);
    await expect(startEmbeddedRegistry({ port })).rejects.toThrow(/EADDRINUSE/);
  });
});

describe('unexpected failures', () => {
  class BrokenStore extends SchemaStore {
    override getGlobalCompatibility(): never {
      throw new Error('disk on fire');
    }
  }

  it('answer 500 / 50001 and are logged as errors', async () => {
    const errors: string[] = [];
    const logger = {
      debug: () => undefined,
      error: (_: unknown, message: string) => errors.push(message),
    };
    const server = createServer(createRegistryApp(new BrokenStore(), { logger }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/config`);
      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({
        error_code: 50001,
        message: 'Unexpected error in the embedded schema registry: disk on fire',
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(errors).toEqual(['Unexpected error in the embedded schema registry: disk on fire']);
  });
});
