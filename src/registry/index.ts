/**
 * Embedded Confluent-compatible schema registry: the store (state and rules), the express app
 * (REST API) and a starter that serves it on a local port.
 */
export { startEmbeddedRegistry } from './server.ts';
export type { EmbeddedRegistry, EmbeddedRegistryOptions } from './server.ts';
export {
  ACCEPTED_CONTENT_TYPES,
  createRegistryApp,
  DEFAULT_BODY_LIMIT_BYTES,
  REGISTRY_CONTENT_TYPE,
} from './app.ts';
export type { RegistryAppOptions, RegistryLogger } from './app.ts';
export { parseVersionSpec, SchemaStore } from './store.ts';
export type {
  CompatibilityResult,
  IncludeDeletedOptions,
  Registration,
  SchemaInput,
  SchemaReference,
  SchemaStoreOptions,
  SubjectVersion,
  VersionSpec,
} from './store.ts';
export {
  checkCompatibility,
  COMPATIBILITY_LEVELS,
  explainIncompatibility,
  parseCompatibilityLevel,
} from './compatibility.ts';
export type { CompatibilityLevel, VersionedType } from './compatibility.ts';
export { parseAvroSchema } from './avro-schema.ts';
export type { Json, ParsedAvroSchema } from './avro-schema.ts';
export * from './errors.ts';
