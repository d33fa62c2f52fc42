// Writes the JSON schemas kubeconform validates the chart's manifests against,
// in the layout its -schema-location template reads
// (`{{ .ResourceKind }}{{ .KindSuffix }}.json`: deployment-apps-v1.json,
// service-v1.json, servicemonitor-monitoring-v1.json), from sources the Go
// module proxy serves (scripts/check-helm.sh fetches them):
//
//   node scripts/kubeconform-schemas.js kubernetes <swagger.json> <out-dir>
//     Kubernetes' own OpenAPI v2 document (api/openapi-spec/swagger.json of
//     the k8s.io/kubernetes module): one _definitions.json, and per kind a
//     file that refers into it (definitions refer to each other, some
//     recursively, so they are not inlined).
//   node scripts/kubeconform-schemas.js crds <out-dir> <crd.yaml>...
//     The openAPIV3Schema of each version of each CustomResourceDefinition.
//
// Both are made strict the way kubectl validates and kubeconform's own
// openapi2jsonschema.py converts: an object schema with properties and no
// additionalProperties gets additionalProperties: false, so a misspelt or
// misplaced field fails. int-or-string becomes a string or an integer, a
// Quantity a string or a number, OpenAPI's nullable a "null" type; the x-
// extensions are dropped.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const INT_OR_STRING = { oneOf: [{ type: 'string' }, { type: 'integer' }] };

/** @param {unknown} value @returns {value is Record<string, unknown>} */
function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * One OpenAPI schema as a strict JSON schema (draft 4, kubeconform's default).
 * @param {unknown} schema
 * @param {(ref: string) => string} rewriteRef
 * @returns {unknown}
 */
function convert(schema, rewriteRef) {
  if (Array.isArray(schema)) return schema.map((item) => convert(item, rewriteRef));
  if (!isObject(schema)) return schema;
  if (schema.format === 'int-or-string' || schema['x-kubernetes-int-or-string'] === true) {
    const { description } = schema;
    return typeof description === 'string' ? { description, ...INT_OR_STRING } : INT_OR_STRING;
  }
  /** @type {Record<string, unknown>} */
  const result = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-') || key === 'nullable') continue;
    if (key === '$ref' && typeof value === 'string') result[key] = rewriteRef(value);
    else if (key === 'properties' && isObject(value)) {
      // Property names are data here, not keywords: convert each value only.
      result[key] = Object.fromEntries(
        Object.entries(value).map(([name, property]) => [name, convert(property, rewriteRef)]),
      );
    } else result[key] = convert(value, rewriteRef);
  }
  if (schema.nullable === true && typeof result.type === 'string') {
    result.type = [result.type, 'null'];
  }
  const open = schema['x-kubernetes-preserve-unknown-fields'] === true;
  if ('properties' in result && !('additionalProperties' in result) && !open) {
    result.additionalProperties = false;
  }
  return result;
}

/**
 * What kubeconform appends to the lower-cased kind: `-<version>` for the
 * core group, else `-<first label of the group>-<version>`.
 * @param {string} group @param {string} version
 */
function kindSuffix(group, version) {
  return group === '' ? `-${version}` : `-${group.split('.')[0] ?? group}-${version}`;
}

/** @param {string} path @param {unknown} schema */
function writeSchema(path, schema) {
  writeFileSync(path, `${JSON.stringify(schema)}\n`);
}

/** @param {string} swaggerFile @param {string} outDir */
function kubernetesSchemas(swaggerFile, outDir) {
  const swagger = JSON.parse(readFileSync(swaggerFile, 'utf8'));
  const definitions = isObject(swagger) && isObject(swagger.definitions) ? swagger.definitions : {};
  mkdirSync(outDir, { recursive: true });
  /** @type {Record<string, unknown>} */
  const converted = {};
  for (const [name, definition] of Object.entries(definitions)) {
    converted[name] =
      name === QUANTITY
        ? { oneOf: [{ type: 'string' }, { type: 'number' }] }
        : convert(definition, (ref) => ref);
  }
  writeSchema(join(outDir, '_definitions.json'), { definitions: converted });
  let kinds = 0;
  for (const [name, definition] of Object.entries(definitions)) {
    const gvks = isObject(definition) ? definition['x-kubernetes-group-version-kind'] : undefined;
    if (!Array.isArray(gvks)) continue;
    for (const gvk of gvks) {
      if (!isObject(gvk)) continue;
      const { group, kind, version } = gvk;
      if (typeof group !== 'string' || typeof kind !== 'string' || typeof version !== 'string') {
        continue;
      }
      const file = `${kind.toLowerCase()}${kindSuffix(group, version)}.json`;
      writeSchema(join(outDir, file), { $ref: `_definitions.json#/definitions/${name}` });
      kinds += 1;
    }
  }
  console.log(`${String(kinds)} Kubernetes kind schemas from ${swaggerFile} in ${outDir}`);
}

/** @param {string} outDir @param {string[]} crdFiles */
function crdSchemas(outDir, crdFiles) {
  mkdirSync(outDir, { recursive: true });
  for (const file of crdFiles) {
    for (const document of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const crd = document.toJS();
      if (!isObject(crd) || crd.kind !== 'CustomResourceDefinition' || !isObject(crd.spec)) {
        continue;
      }
      const { group, names, versions } = crd.spec;
      if (typeof group !== 'string' || !isObject(names) || typeof names.kind !== 'string') {
        throw new Error(`${file}: a CustomResourceDefinition without group or kind`);
      }
      for (const version of Array.isArray(versions) ? versions : []) {
        if (!isObject(version) || typeof version.name !== 'string') continue;
        const schema = isObject(version.schema) ? version.schema.openAPIV3Schema : undefined;
        if (!isObject(schema)) continue;
        const name = `${names.kind.toLowerCase()}${kindSuffix(group, version.name)}.json`;
        writeSchema(
          join(outDir, name),
          convert(schema, (ref) => ref),
        );
        console.log(`${names.kind} ${group}/${version.name} from ${file}: ${name}`);
      }
    }
  }
}

const [command, ...args] = process.argv.slice(2);
if (command === 'kubernetes' && args.length === 2) {
  kubernetesSchemas(String(args[0]), String(args[1]));
} else if (command === 'crds' && args.length >= 2) {
  crdSchemas(String(args[0]), args.slice(1));
} else {
  console.error(
    'usage: kubeconform-schemas.js kubernetes <swagger.json> <out-dir>\n' +
      '       kubeconform-schemas.js crds <out-dir> <crd.yaml>...',
  );
  process.exit(2);
}
