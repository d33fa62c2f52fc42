import { beforeEach, describe, expect, it } from 'vitest';

import {
  IncompatibleSchemaError,
  InvalidSchemaError,
  InvalidVersionError,
  RegistryError,
  SchemaNotFoundError,
  SubjectCompatibilityNotConfiguredError,
  SubjectNotFoundError,
  SubjectNotSoftDeletedError,
  VersionNotFoundError,
} from '../../../src/registry/errors.ts';
import { parseVersionSpec, SchemaStore } from '../../../src/registry/store.ts';
import type { SchemaInput } from '../../../src/registry/store.ts';

type Field = Record<string, unknown>;

function avro(...fields: Field[]): SchemaInput {
  return {
    schema: JSON.stringify({ type: 'record', name: 'Shipment', namespace: 'com.acme', fields }),
  };
}

const id = { name: 'id', type: 'string' };
const v1 = avro(id);
const v2 = avro(id, { name: 'carrier', type: 'string', default: 'unknown' });
const incompatible = avro({ name: 'id', type: 'int' });

function failure(action: () => unknown): RegistryError {
  try {
    action();
  } catch (error) {
    if (error instanceof RegistryError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected the action to fail');
}

describe('SchemaStore', () => {
  let store: SchemaStore;
  beforeEach(() => {
    store = new SchemaStore();
  });

  describe('register', () => {
    it('assigns global ids and per-subject versions', () => {
      expect(store.register('a', v1)).toEqual({ id: 1, version: 1 });
      expect(store.register('a', v2)).toEqual({ id: 2, version: 2 });
      expect(store.listVersions('a')).toEqual([1, 2]);
    });

    it('returns the existing id and version for a schema the subject holds', () => {
      store.register('a', v1);
      store.register('a', v2);
      expect(store.register('a', v1)).toEqual({ id: 1, version: 1 });
      expect(store.register('a', v2)).toEqual({ id: 2, version: 2 });
      expect(store.listVersions('a')).toEqual([1, 2]);
    });

    it('gives the same id to the same schema under another subject', () => {
      store.register('a', v1);
      store.register('a', v2);
      expect(store.register('b', v2)).toEqual({ id: 2, version: 1 });
    });

    it('identifies schemas by their normalized form', () => {
      const { id: first } = store.register('a', v1);
      const respelled = {
        schema:
          '{ "fields": [ {"type": {"type": "string"}, "name": "id"} ], "name": "com.acme.Shipment", "type": "record" }',
      };
      expect(store.register('a', respelled).id).toBe(first);
    });

    it('refuses incompatible schemas with 409 and leaves the subject unchanged', () => {
      store.register('a', v1);
      const error = failure(() => store.register('a', incompatible));
      expect(error).toBeInstanceOf(IncompatibleSchemaError);
      expect(error.status).toBe(409);
      expect(error.errorCode).toBe(409);
      expect(error.message).toContain('com.acme.Shipment.id');
      expect(error.message).toContain('BACKWARD');
      expect(store.listVersions('a')).toEqual([1]);
    });

    it.each([
      [
        'PROTOBUF',
        { schema: 'syntax = "proto3";', schemaType: 'PROTOBUF' },
        /PROTOBUF is not supported/,
      ],
      ['JSON', { schema: '{"type": "object"}', schemaType: 'JSON' }, /JSON is not supported/],
      [
        'references',
        { ...v1, references: [{ name: 'X', subject: 'x', version: 1 }] },
        /references/,
      ],
      ['invalid Avro', { schema: '{"type": "record"}' }, /Invalid Avro schema/],
      ['non-JSON text', { schema: 'record Shipment {}' }, /not valid JSON/],
    ])('refuses %s with 42201', (_label, input, message) => {
      const error = failure(() => store.register('a', input));
      expect(error).toBeInstanceOf(InvalidSchemaError);
      expect(error.errorCode).toBe(42201);
      expect(error.message).toMatch(message);
    });

    it('accepts an explicit AVRO type and empty references', () => {
      expect(store.register('a', { ...v1, schemaType: 'AVRO', references: [] }).id).toBe(1);
    });
  });

  describe('reads', () => {
    beforeEach(() => {
      store.register('a', v1);
      store.register('a', v2);
    });

    it('returns versions by number and latest', () => {
      expect(store.getVersion('a', 1)).toMatchObject({ subject: 'a', version: 1, id: 1 });
      expect(store.getVersion('a', 'latest')).toMatchObject({ subject: 'a', version: 2, id: 2 });
    });

    it('returns schemas by id as normalized text', () => {
      const { schema } = store.getSchemaById(2);
      expect(JSON.parse(schema)).toMatchObject({ name: 'Shipment', namespace: 'com.acme' });
      expect(store.getVersion('a', 2).schema).toBe(schema);
    });

    it('looks a schema up under a subject', () => {
      expect(store.lookup('a', v1)).toMatchObject({ subject: 'a', version: 1, id: 1 });
    });

    it.each<[string, () => unknown, new (...args: never[]) => RegistryError, number]>([
      ['unknown subject version', () => store.getVersion('nope', 1), SubjectNotFoundError, 40401],
      ['unknown version', () => store.getVersion('a', 3), VersionNotFoundError, 40402],
      ['unknown id', () => store.getSchemaById(99), SchemaNotFoundError, 40403],
      ['unknown subject versions', () => store.listVersions('nope'), SubjectNotFoundError, 40401],
      ['lookup in unknown subject', () => store.lookup('nope', v1), SubjectNotFoundError, 40401],
      [
        'lookup of unregistered schema',
        () => store.lookup('a', incompatible),
        SchemaNotFoundError,
        40403,
      ],
    ])('fails on %s', (_label, action, errorClass, code) => {
      const error = failure(action);
      expect(error).toBeInstanceOf(errorClass);
      expect(error.errorCode).toBe(code);
      expect(error.status).toBe(404);
    });

    it('lists subjects sorted', () => {
      store.register('0-first', v1);
      expect(store.listSubjects()).toEqual(['0-first', 'a']);
    });
  });

  describe('compatibility configuration', () => {
    it('has no subject-level level unless asked to default to the global one', () => {
      expect(failure(() => store.getSubjectCompatibility('a'))).toBeInstanceOf(
        SubjectCompatibilityNotConfiguredError,
      );
      expect(failure(() => store.getSubjectCompatibility('a')).errorCode).toBe(40408);
      expect(store.getSubjectCompatibility('a', { defaultToGlobal: true })).toBe('BACKWARD');
    });

    it('lets a subject-level NONE through what BACKWARD refuses', () => {
      store.register('a', v1);
      store.setSubjectCompatibility('a', 'NONE');
      expect(store.getSubjectCompatibility('a')).toBe('NONE');
      expect(store.register('a', incompatible).version).toBe(2);
    });

    it('applies the global level to subjects without their own', () => {
      store.register('a', v1);
      store.setGlobalCompatibility('NONE');
      expect(store.register('a', incompatible).version).toBe(2);
    });

    it('uses the configured default global level', () => {
      const lenient = new SchemaStore({ defaultCompatibility: 'NONE' });
      lenient.register('a', v1);
      expect(lenient.getGlobalCompatibility()).toBe('NONE');
      expect(lenient.register('a', incompatible).version).toBe(2);
    });

    it('falls back to the global level once the subject level is deleted', () => {
      store.register('a', v1);
      store.setSubjectCompatibility('a', 'NONE');
      expect(store.deleteSubjectCompatibility('a')).toBe('NONE');
      expect(store.effectiveCompatibility('a')).toBe('BACKWARD');
      expect(failure(() => store.register('a', incompatible))).toBeInstanceOf(
        IncompatibleSchemaError,
      );
      expect(failure(() => store.deleteSubjectCompatibility('nope'))).toBeInstanceOf(
        SubjectNotFoundError,
      );
    });

    it('enforces FORWARD in its own direction', () => {
      store.setSubjectCompatibility('a', 'FORWARD');
      store.register('a', v1);
      expect(store.register('a', avro(id, { name: 'carrier', type: 'string' })).version).toBe(2);
      expect(failure(() => store.register('a', avro()))).toBeInstanceOf(IncompatibleSchemaError);
    });
  });

  describe('testCompatibility', () => {
    it('accepts anything for latest of an unknown subject', () => {
      expect(store.testCompatibility('nope', 'latest', incompatible)).toEqual({
        compatible: true,
        messages: [],
      });
      expect(store.testRegistration('nope', incompatible).compatible).toBe(true);
    });

    it('fails for an explicit version that does not exist, as Confluent does (40402)', () => {
      expect(failure(() => store.testCompatibility('nope', 1, v1)).errorCode).toBe(40402);
      store.register('a', v1);
      expect(failure(() => store.testCompatibility('a', 7, v1)).errorCode).toBe(40402);
    });

    it('checks one version against a version (latest too), and all of them like a registration', () => {
      store.setSubjectCompatibility('a', 'NONE');
      store.register('a', v1);
      store.register('a', incompatible);
      store.setSubjectCompatibility('a', 'BACKWARD_TRANSITIVE');
      expect(store.testCompatibility('a', 2, incompatible).compatible).toBe(true);
      expect(store.testCompatibility('a', 'latest', incompatible).compatible).toBe(true);
      expect(store.testCompatibility('a', 1, incompatible).compatible).toBe(false);
      const registration = store.testRegistration('a', incompatible);
      expect(registration.compatible).toBe(false);
      expect(registration.messages.join()).toContain('version 1');
      expect(store.listVersions('a')).toEqual([1, 2]);
    });
  });

  describe('deleteSubject', () => {
    beforeEach(() => {
      store.setSubjectCompatibility('a', 'NONE');
      store.register('a', v1);
      store.register('a', v2);
    });

    it('soft-deletes: versions hidden, ids kept, numbers not reused, config dropped', () => {
      expect(store.deleteSubject('a')).toEqual([1, 2]);
      expect(store.listSubjects()).toEqual([]);
      expect(store.listSubjects({ includeDeleted: true })).toEqual(['a']);
      expect(failure(() => store.listVersions('a')).errorCode).toBe(40401);
      expect(store.listVersions('a', { includeDeleted: true })).toEqual([1, 2]);
      expect(store.getVersion('a', 1, { includeDeleted: true }).id).toBe(1);
      expect(store.getSchemaById(1).id).toBe(1);
      expect(failure(() => store.getSubjectCompatibility('a')).errorCode).toBe(40408);
      expect(store.register('a', v1)).toEqual({ id: 1, version: 3 });
    });

    it('refuses to delete a subject without live versions', () => {
      expect(failure(() => store.deleteSubject('nope')).errorCode).toBe(40401);
      store.deleteSubject('a');
      expect(failure(() => store.deleteSubject('a')).errorCode).toBe(40401);
    });

    it('deletes permanently only after a soft delete', () => {
      const error = failure(() => store.deleteSubject('a', { permanent: true }));
      expect(error).toBeInstanceOf(SubjectNotSoftDeletedError);
      expect(error.errorCode).toBe(40405);
      store.deleteSubject('a');
      expect(store.deleteSubject('a', { permanent: true })).toEqual([1, 2]);
      expect(store.listSubjects({ includeDeleted: true })).toEqual([]);
      expect(store.register('a', v2)).toEqual({ id: 2, version: 1 });
    });
  });
});

describe('parseVersionSpec', () => {
  it.each([
    ['latest', 'latest'],
    ['LATEST', 'latest'],
    ['-1', 'latest'],
    ['1', 1],
    ['2147483647', 2147483647],
  ])('parses %s', (raw, expected) => {
    expect(parseVersionSpec(raw)).toBe(expected);
  });

  it.each(['0', '-2', 'abc', '1.5', '', '2147483648', ' 1'])('refuses %j with 42202', (raw) => {
    const error = failure(() => parseVersionSpec(raw));
    expect(error).toBeInstanceOf(InvalidVersionError);
    expect(error.errorCode).toBe(42202);
  });
});
