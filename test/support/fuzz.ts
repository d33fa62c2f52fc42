/**
 * Hostile inputs for fuzzing the pure pipeline (`transform`), and the checks
 * every output must pass.
 *
 * Inputs are described, not generated as bytes: an arbitrary yields a small
 * plan (which real message, which mutations, which headers) and `build*`
 * turns it into the raw record. A failing plan is short enough for
 * fast-check to print and shrink, and the same plan always builds the same
 * bytes. Four families of plans:
 *   - structured: a real provider message with a few values replaced,
 *     deleted, wrapped or stringified, or keys like `__proto__` added;
 *   - retyped: a real message with every n-th leaf replaced by a wrong type;
 *   - bytes: a real message's bytes with bits flipped, invalid UTF-8
 *     inserted, ranges deleted or duplicated, or the end cut off;
 *   - generated: messages built from the provider's own field names and
 *     event types, with hostile values.
 * Hostile values include numbers JSON.stringify cannot write (`1e400`, 400
 * digits, `-0`), strings of up to 1 MiB, nesting up to 20,000 levels and
 * objects with `__proto__`, `constructor` and `prototype` keys; they are
 * spliced into the JSON text, so that the pipeline parses them itself.
 * Generated strings (values, keys, event types, header values) mix ASCII
 * with any Unicode code point and with control characters, separators, BOMs,
 * bidi overrides and lone surrogates.
 *
 * Each run starts from a new seed, printed with the run and with a failure;
 * WHARF_FUZZ_SEED=<seed> runs the same inputs again (see {@link FUZZ_SEED}).
 */
import { randomInt } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { CANONICAL_TYPES } from '../../src/canonical/schemas.ts';
import type { Source } from '../../src/providers/index.ts';
import { DEAD_LETTER_HEADERS } from '../../src/kafka/headers.ts';
import type { PipelineConfig, PipelineOutput, RawRecord } from '../../src/worker/pipeline.ts';

/** A JSON value as fast-check generates it. */
type JsonValue = fc.JsonValue;

/** A value to put into a message. */
export type Hostile =
  /** A small value of any JSON type (mostly the wrong one for the field). */
  | { readonly kind: 'json'; readonly value: JsonValue }
  /** JSON text spliced in verbatim: numbers JSON.stringify cannot write, `__proto__` objects. */
  | { readonly kind: 'raw'; readonly text: string }
  | { readonly kind: 'long-string'; readonly length: number; readonly unit: string }
  | { readonly kind: 'deep'; readonly depth: number; readonly container: 'array' | 'object' };

/** One change to a parsed message, at the node reached by `path` (child choices from the root). */
export interface TreeOp {
  readonly path: readonly number[];
  readonly action: 'replace' | 'delete' | 'add-key' | 'wrap-in-array' | 'to-string';
  /** The key `add-key` adds. */
  readonly key: string;
  readonly value: Hostile;
}

/** One change to a message's bytes; positions are taken modulo the length. */
export type ByteOp =
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'set'; readonly at: number; readonly byte: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: readonly number[] }
  | { readonly kind: 'delete'; readonly at: number; readonly length: number }
  | { readonly kind: 'duplicate'; readonly at: number; readonly length: number }
  | { readonly kind: 'truncate'; readonly at: number };

/** Headers of the raw record: `undefined` keeps the default, `null` removes it. */
export interface HeaderPlan {
  readonly source: string | null | undefined;
  readonly receivedAt: string | null | undefined;
  readonly urlEventType: string | undefined;
  readonly contentType: string | undefined;
  readonly shipwellEvent: string | undefined;
  readonly extra: readonly (readonly [string, string])[];
}

/** Everything the arbitraries of one provider draw from. */
export interface Corpus {
  readonly source: Source;
  /** Real messages, as the provider sends them (HappyColis bodies wrapped in a header). */
  readonly messages: readonly string[];
  /** Every object key found in the messages. */
  readonly fieldNames: readonly string[];
  /** The provider's event types. */
  readonly eventTypes: readonly string[];
}

/** When the ingress received every fuzzed record, unless a plan says otherwise. */
const RECEIVED_AT = '2023-12-08T12:00:00.000Z';

/** Keys that reach the prototype chain when code copies or merges objects carelessly. */
const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'toJSON',
  'length',
];

/** JSON texts that no JavaScript value stringifies to, or that carry prototype keys. */
const RAW_TEXTS = [
  '1e400',
  '-1e400',
  '-0',
  '0e-400',
  '5e-324',
  '1.7976931348623157e308',
  '9007199254740993',
  '-9223372036854775809',
  '18446744073709551616',
  `1${'0'.repeat(400)}`,
  `0.${'0'.repeat(400)}1`,
  '123456789.123456789123456789123456789',
  '1E+2',
  '-0.0',
  '{"__proto__":{"polluted":"yes"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"__proto__":null}',
  '{"__proto__":[1,2]}',
  '{"prototype":{"polluted":"yes"}}',
  '{"__proto__":{"toString":"x","valueOf":1,"hasOwnProperty":null}}',
  '{"toString":1,"valueOf":"x","hasOwnProperty":2,"toJSON":"x","length":-1}',
  '{"length":1e400}',
  '{"id":1,"id":"duplicate"}',
  '[]',
  '{}',
];

/** Strings that parsers of numbers, dates and ids stumble on. */
const HOSTILE_STRINGS = [
  '',
  ' ',
  'NaN',
  'Infinity',
  '-Infinity',
  '-0',
  '1e400',
  '1e-400',
  '0x1F',
  '  42  ',
  '٣',
  '\u0000',
  '\ud800',
  '\u202e',
  '🚚',
  'null',
  'undefined',
  'true',
  '__proto__',
  'constructor',
  'prototype',
  '2023-02-30T25:61:61',
  '0000-00-00T00:00:00',
  '+275760-09-13T00:00:00.000Z',
  '-271821-04-20T00:00:00Z',
  '99999-12-31T23:59:59',
  '2023-12-08T13:56:00+99:99',
  '2023-12-08T13:56:00.0000000000000000001Z',
  '2023-12-08',
  '1702043760',
  '%s%n',
  '${x}',
  '\\',
  '"',
];

/** Byte sequences that are not UTF-8, and JSON's structural characters. */
const BAD_BYTES: readonly (readonly number[])[] = [
  [0xff],
  [0x80],
  [0xc0, 0x80],
  [0xed, 0xa0, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xe2, 0x82],
  [0xef, 0xbb, 0xbf],
  [0x00],
  [0x22],
  [0x5c],
  [0x7b],
  [0x7d],
  [0x5b],
  [0x5d],
  [0x2c],
  [0x3a],
];

/**
 * Characters that text handling trips over: C0 and C1 controls, DEL, line
 * and paragraph separators, the byte order mark, bidi overrides, zero-width
 * joiners, lone surrogates, and non-ASCII letters, digits and emoji.
 */
const AWKWARD_CHARS = [
  ...Array.from({ length: 0x20 }, (_, code) => String.fromCharCode(code)),
  '\u007f',
  '\u0080',
  '\u0085',
  '\u009f',
  '\u00a0',
  '\u2028',
  '\u2029',
  '\ufeff',
  '\u202e',
  '\u200d',
  '\ufffd',
  '\ud800',
  '\udfff',
  'é',
  'ß',
  'İ',
  'Ω',
  'ж',
  '中',
  '٣',
  '０',
  '🚚',
  '👩‍👩‍👧',
];

/**
 * Strings of up to `maxLength` units: printable ASCII (what most fields
 * hold), any ASCII or Latin-1 character (controls included), any Unicode
 * code point, whole graphemes, or the {@link AWKWARD_CHARS}.
 */
export function anyText(maxLength: number): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ maxLength }),
    fc.string({ maxLength, unit: 'binary-ascii' }),
    fc.string({ maxLength, unit: 'binary' }),
    fc.string({ maxLength, unit: 'grapheme' }),
    fc.string({ maxLength, unit: fc.constantFrom(...AWKWARD_CHARS) }),
  );
}

/** Reads a provider's fixtures as the provider sends them (HappyColis bodies get a header). */
export function corpus(source: Source, config: PipelineConfig): Corpus {
  const folder = new URL(`../fixtures/providers/${source}/`, import.meta.url);
  const texts = readdirSync(folder)
    .filter((name) => name.endsWith('.json') && !name.startsWith('header-'))
    .sort()
    .map((name) => readFileSync(new URL(name, folder), 'utf8'));
  const eventTypes = config.adapters[source].worker.eventTypes;
  const messages =
    source === 'happycolis'
      ? texts.map((body, i) =>
          JSON.stringify({
            header: {
              id: `m-${String(i)}`,
              type: eventTypes[i % eventTypes.length],
              timestamp: '2023-12-08T13:56:00',
            },
            body: JSON.parse(body) as unknown,
          }),
        )
      : texts;
  const names = new Set<string>();
  const collect = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(collect);
    else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) {
        names.add(key);
        collect(child);
      }
    }
  };
  for (const message of messages) collect(JSON.parse(message));
  return { source, messages, fieldNames: [...names].sort(), eventTypes };
}

// ─── Arbitraries ──────────────────────────────────────────────────────────────

/** Small values of every JSON type. */
const smallJson: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(...HOSTILE_STRINGS),
  anyText(12),
  fc.jsonValue({ maxDepth: 2 }),
  fc.jsonValue({ maxDepth: 2, stringUnit: 'binary' }),
);

/** Lengths mostly modest, sometimes large, rarely up to the ingress's 1 MiB body limit. */
const stringLength = fc.oneof(
  { weight: 40, arbitrary: fc.integer({ min: 100, max: 4_096 }) },
  { weight: 4, arbitrary: fc.integer({ min: 4_096, max: 65_536 }) },
  { weight: 1, arbitrary: fc.integer({ min: 65_536, max: 1_048_576 }) },
);

/** The deepest nesting the fuzz families generate (the pipeline refuses more than 1,000 levels). */
export const MAX_FUZZ_DEPTH = 20_000;

/** Nesting mostly shallow, sometimes up to {@link MAX_FUZZ_DEPTH} levels. */
const nestingDepth = fc.oneof(
  { weight: 40, arbitrary: fc.integer({ min: 2, max: 64 }) },
  { weight: 5, arbitrary: fc.integer({ min: 64, max: MAX_FUZZ_DEPTH }) },
);

/** A hostile value; `large` allows long strings and deep nesting. */
export function hostile(large = true): fc.Arbitrary<Hostile> {
  const small = [
    {
      weight: 6,
      arbitrary: smallJson.map((value): Hostile => ({ kind: 'json', value })),
    },
    {
      weight: 3,
      arbitrary: fc.constantFrom(...RAW_TEXTS).map((text): Hostile => ({ kind: 'raw', text })),
    },
  ];
  if (!large) return fc.oneof(...small);
  return fc.oneof(
    ...small,
    {
      weight: 1,
      arbitrary: fc
        .record({
          length: stringLength,
          unit: fc.constantFrom('x', 'é', '🚚', '\\', '"', '\u0000', '0', '9'),
        })
        .map(({ length, unit }): Hostile => ({ kind: 'long-string', length, unit })),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ depth: nestingDepth, container: fc.constantFrom('array', 'object') })
        .map(({ depth, container }): Hostile => ({ kind: 'deep', depth, container })),
    },
  );
}

function keys(corpus: Corpus): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(...PROTOTYPE_KEYS),
    fc.constantFrom(...corpus.fieldNames),
    anyText(8),
  );
}

/** An event type as a provider or a misconfigured URL might spell it. */
function eventTypeLike(corpus: Corpus): fc.Arbitrary<string> {
  const known = fc.constantFrom(...corpus.eventTypes);
  return fc.oneof(
    { weight: 4, arbitrary: known },
    { weight: 1, arbitrary: known.map((type) => type.toUpperCase()) },
    { weight: 1, arbitrary: known.map((type) => type.replace(/[-./_]/g, ' ')) },
    { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
    { weight: 1, arbitrary: anyText(24) },
  );
}

/** The default headers. */
export const NO_HEADER_CHANGES: HeaderPlan = {
  source: undefined,
  receivedAt: undefined,
  urlEventType: undefined,
  contentType: undefined,
  shipwellEvent: undefined,
  extra: [],
};

/** Mostly `undefined` (keep the default), otherwise a value of `values`. */
function sometimes<T>(weight: number, values: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight, arbitrary: values }, { weight: 10, arbitrary: fc.constant(undefined) });
}

/** Headers: mostly the defaults, otherwise any mix of odd event types, times and names. */
export function headerPlans(corpus: Corpus): fc.Arbitrary<HeaderPlan> {
  const odd: fc.Arbitrary<HeaderPlan> = fc.record({
    // A wrong source is rare: it ends the record at stage `source`, before the provider.
    source: sometimes(
      1,
      fc.constantFrom(null, '', 'ONGOING', 'Shipwell', '__proto__', 'happycolis ', 'unknown'),
    ),
    receivedAt: sometimes(
      3,
      fc.oneof(fc.constant(null), fc.constantFrom(...HOSTILE_STRINGS), anyText(40)),
    ),
    urlEventType: sometimes(10, eventTypeLike(corpus)),
    contentType: sometimes(
      5,
      fc.oneof(
        fc.constantFrom(
          'application/json',
          'application/json; charset=latin1',
          'text/plain',
          'application/x-www-form-urlencoded',
          '',
        ),
        anyText(40),
      ),
    ),
    shipwellEvent: sometimes(10, eventTypeLike(corpus)),
    extra: fc.array(fc.tuple(keys(corpus), anyText(16)), { maxLength: 3 }),
  });
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(NO_HEADER_CHANGES) },
    { weight: 2, arbitrary: odd },
  );
}

/** A real message with 1–6 structural changes. */
export function structuredPlans(
  corpus: Corpus,
): fc.Arbitrary<{ message: number; ops: TreeOp[]; headers: HeaderPlan }> {
  const op = fc.record({
    // Never the root: a message that is not an object is the generated family's.
    path: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
    action: fc.constantFrom(
      'replace',
      'replace',
      'delete',
      'add-key',
      'wrap-in-array',
      'to-string',
    ),
    key: keys(corpus),
    value: hostile(),
  });
  return fc.record({
    message: fc.nat({ max: corpus.messages.length - 1 }),
    ops: fc.array(op, { minLength: 1, maxLength: 6 }),
    headers: headerPlans(corpus),
  });
}

/** A real message with every `stride`-th leaf (from `offset`) replaced by small wrong values. */
export function retypedPlans(corpus: Corpus): fc.Arbitrary<{
  message: number;
  stride: number;
  offset: number;
  values: Hostile[];
  headers: HeaderPlan;
}> {
  return fc.record({
    message: fc.nat({ max: corpus.messages.length - 1 }),
    stride: fc.integer({ min: 1, max: 8 }),
    offset: fc.nat({ max: 7 }),
    values: fc.array(hostile(false), { minLength: 1, maxLength: 8 }),
    headers: headerPlans(corpus),
  });
}

/** A real message's bytes with 1–8 byte-level changes. */
export function bytePlans(
  corpus: Corpus,
): fc.Arbitrary<{ message: number; ops: ByteOp[]; headers: HeaderPlan }> {
  const at = fc.nat();
  const op: fc.Arbitrary<ByteOp> = fc.oneof(
    fc.record({ kind: fc.constant('flip'), at, bit: fc.nat({ max: 7 }) }),
    fc.record({ kind: fc.constant('set'), at, byte: fc.nat({ max: 255 }) }),
    fc.record({
      kind: fc.constant('insert'),
      at,
      bytes: fc.oneof(
        fc.constantFrom(...BAD_BYTES),
        fc.array(fc.nat({ max: 255 }), { minLength: 1, maxLength: 8 }),
      ),
    }),
    fc.record({ kind: fc.constant('delete'), at, length: fc.integer({ min: 1, max: 64 }) }),
    fc.record({ kind: fc.constant('duplicate'), at, length: fc.integer({ min: 1, max: 256 }) }),
    fc.record({ kind: fc.constant('truncate'), at }),
  );
  return fc.record({
    message: fc.nat({ max: corpus.messages.length - 1 }),
    ops: fc.array(op, { minLength: 1, maxLength: 8 }),
    headers: headerPlans(corpus),
  });
}

/** Messages built from the provider's own field names, event types and hostile values. */
export interface GeneratedPlan {
  /** The real message whose envelope receives the grafts. */
  readonly message: number;
  /** Generated subtrees replacing the nodes their paths reach. */
  readonly grafts: readonly { readonly path: readonly number[]; readonly tree: unknown }[];
  /** A generated message instead of the real one (a root that may not even be an object). */
  readonly whole: unknown;
  readonly headers: HeaderPlan;
}

/**
 * Generated trees of the provider's field names, event types and hostile
 * values, grafted into a real message's envelope (so that some get past
 * detection into validation and normalization), or now and then standing
 * alone as the whole message.
 */
export function generatedPlans(corpus: Corpus): fc.Arbitrary<GeneratedPlan> {
  const leaf = fc.oneof(
    { weight: 3, arbitrary: hostile(false).map(materialize) },
    { weight: 2, arbitrary: eventTypeLike(corpus) },
  );
  const { tree } = fc.letrec<{ tree: unknown; object: Record<string, unknown> }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      tie('object'),
      fc.array(tie('tree'), { maxLength: 4 }),
    ),
    object: fc
      .array(fc.tuple(keys(corpus), tie('tree')), { maxLength: 8 })
      .map((entries) => objectOf(entries)),
  }));
  return fc.record({
    message: fc.nat({ max: corpus.messages.length - 1 }),
    grafts: fc.array(
      fc.record({ path: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), tree }),
      { minLength: 1, maxLength: 3 },
    ),
    whole: fc.oneof(
      { weight: 9, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: tree },
    ),
    headers: headerPlans(corpus),
  });
}

// ─── Building raw records ─────────────────────────────────────────────────────

/** Raw texts met by the {@link serialize} call in progress. */
let spliced: string[] = [];

/** JSON text to splice into a message verbatim. */
class RawText {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }

  /** Called by JSON.stringify (natively, faster than a replacer): leaves a marker to splice at. */
  toJSON(): string {
    spliced.push(this.text);
    return `\u0001${String(spliced.length - 1)}\u0001`;
  }
}

/** An object with the given own properties, `__proto__` included as a plain key. */
function objectOf(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [key, value] of entries) setOwn(object, key, value);
  return object;
}

function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(object, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** The value a hostile description stands for, with RawText where JSON.stringify cannot write it. */
export function materialize(value: Hostile): unknown {
  switch (value.kind) {
    case 'json':
      return value.value;
    case 'raw':
      return new RawText(value.text);
    case 'long-string':
      return value.unit.repeat(value.length);
    case 'deep': {
      const [open, close] = value.container === 'array' ? ['[', ']'] : ['{"a":', '}'];
      return new RawText(`${open.repeat(value.depth)}1${close.repeat(value.depth)}`);
    }
  }
}

/** JSON text of a tree whose RawText nodes are written verbatim. */
export function serialize(tree: unknown): string {
  spliced = [];
  const text = JSON.stringify(tree) as string | undefined;
  const raws = spliced;
  spliced = [];
  if (text === undefined) return 'null';
  if (raws.length === 0) return text;
  return text.replace(
    /"\\u0001(\d+)\\u0001"/g,
    (_match, index: string) => raws[Number(index)] ?? '',
  );
}

type Container = Record<string, unknown> | unknown[];

function isContainer(value: unknown): value is Container {
  return typeof value === 'object' && value !== null && !(value instanceof RawText);
}

function childKeys(container: Container): string[] {
  return Array.isArray(container) ? container.map((_, i) => String(i)) : Object.keys(container);
}

/** Applies one change to a parsed message; returns the (possibly new) root. */
function applyTreeOp(root: unknown, op: TreeOp): unknown {
  let parent: Container | undefined;
  let key = '';
  let node = root;
  for (const choice of op.path) {
    if (!isContainer(node)) break;
    const children = childKeys(node);
    if (children.length === 0) break;
    parent = node;
    key = children[choice % children.length] ?? '';
    node = (node as Record<string, unknown>)[key];
  }
  const replaceWith = (value: unknown): unknown => {
    if (parent === undefined) return value;
    if (Array.isArray(parent)) parent[Number(key)] = value;
    else setOwn(parent, key, value);
    return root;
  };
  switch (op.action) {
    case 'replace':
      return replaceWith(materialize(op.value));
    case 'delete':
      if (parent === undefined) return undefined;
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else Reflect.deleteProperty(parent, key);
      return root;
    case 'add-key': {
      const target = isContainer(node) && !Array.isArray(node) ? node : undefined;
      if (target !== undefined) {
        setOwn(target, op.key, materialize(op.value));
        return root;
      }
      return replaceWith(objectOf([[op.key, materialize(op.value)]]));
    }
    case 'wrap-in-array':
      return replaceWith([node]);
    case 'to-string':
      return replaceWith(typeof node === 'string' ? node : serialize(node));
  }
}

/** Replaces leaves (scalars) whose index matches the stride, in document order. */
function retype(
  root: unknown,
  stride: number,
  offset: number,
  values: readonly Hostile[],
): unknown {
  let leaf = 0;
  let used = 0;
  const next = (): unknown => {
    const value = values[used++ % values.length];
    return value === undefined ? null : materialize(value);
  };
  const visit = (node: unknown): unknown => {
    if (isContainer(node)) {
      for (const key of childKeys(node)) {
        const child = visit((node as Record<string, unknown>)[key]);
        if (Array.isArray(node)) node[Number(key)] = child;
        else setOwn(node, key, child);
      }
      return node;
    }
    return leaf++ % stride === offset % stride ? next() : node;
  };
  return visit(root);
}

function applyByteOp(bytes: Buffer, op: ByteOp): Buffer {
  const at = op.at % (bytes.length + 1);
  switch (op.kind) {
    case 'flip':
      if (at >= bytes.length) return bytes;
      bytes[at] = (bytes[at] ?? 0) ^ (1 << op.bit);
      return bytes;
    case 'set':
      if (at >= bytes.length) return bytes;
      bytes[at] = op.byte;
      return bytes;
    case 'insert':
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(op.bytes), bytes.subarray(at)]);
    case 'delete':
      return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + op.length)]);
    case 'duplicate':
      return Buffer.concat([bytes.subarray(0, at + op.length), bytes.subarray(at)]);
    case 'truncate':
      return bytes.subarray(0, at);
  }
}

/** The raw record of a body and header plan, as the ingress would have landed it. */
export function rawRecord(corpus: Corpus, body: Buffer, plan: HeaderPlan): RawRecord {
  const headers: Record<string, string> = {};
  const set = (name: string, value: string | null | undefined) => {
    if (value === null) Reflect.deleteProperty(headers, name);
    else if (value !== undefined) setOwn(headers, name, value);
  };
  set('wharf-source', corpus.source);
  set('wharf-request-id', 'fuzz');
  set('wharf-received-at', RECEIVED_AT);
  set('content-type', 'application/json');
  set('wharf-source', plan.source);
  set('wharf-received-at', plan.receivedAt);
  set('wharf-url-event-type', plan.urlEventType);
  set('content-type', plan.contentType);
  set('x-shipwell-event', plan.shipwellEvent);
  for (const [name, value] of plan.extra) set(name, value);
  return {
    topic: `webhooks.raw.${corpus.source}`,
    partition: 0,
    offset: '0',
    key: null,
    value: body,
    headers,
  };
}

function message(corpus: Corpus, index: number): string {
  return corpus.messages[index % corpus.messages.length] ?? '';
}

export function buildStructured(
  corpus: Corpus,
  plan: { message: number; ops: readonly TreeOp[]; headers: HeaderPlan },
): RawRecord {
  let tree = JSON.parse(message(corpus, plan.message)) as unknown;
  for (const op of plan.ops) tree = applyTreeOp(tree, op);
  return rawRecord(corpus, Buffer.from(serialize(tree)), plan.headers);
}

export function buildRetyped(
  corpus: Corpus,
  plan: {
    message: number;
    stride: number;
    offset: number;
    values: readonly Hostile[];
    headers: HeaderPlan;
  },
): RawRecord {
  const tree = JSON.parse(message(corpus, plan.message)) as unknown;
  const body = serialize(retype(tree, plan.stride, plan.offset, plan.values));
  return rawRecord(corpus, Buffer.from(body), plan.headers);
}

export function buildBytes(
  corpus: Corpus,
  plan: { message: number; ops: readonly ByteOp[]; headers: HeaderPlan },
): RawRecord {
  let bytes: Buffer = Buffer.from(message(corpus, plan.message));
  for (const op of plan.ops) bytes = applyByteOp(bytes, op);
  return rawRecord(corpus, bytes, plan.headers);
}

export function buildGenerated(corpus: Corpus, plan: GeneratedPlan): RawRecord {
  let tree = plan.whole ?? (JSON.parse(message(corpus, plan.message)) as unknown);
  if (plan.whole === undefined) {
    for (const { path, tree: graft } of plan.grafts)
      // Generated trees are shared between runs by fast-check: graft a copy.
      tree = applyTreeOp(tree, {
        path,
        action: 'replace',
        key: '',
        value: { kind: 'raw', text: serialize(graft) },
      });
  }
  return rawRecord(corpus, Buffer.from(serialize(tree)), plan.headers);
}

/**
 * Copies of every message with an array nested `depth` levels deep added,
 * in turn, to the root object and to each object directly under it (where
 * HappyColis keeps its body).
 */
export function deeplyNested(corpus: Corpus, depth: number): RawRecord[] {
  const deep = materialize({ kind: 'deep', depth, container: 'array' });
  const objectsOf = (root: unknown): Record<string, unknown>[] =>
    [root, ...(isContainer(root) ? Object.values(root) : [])].filter(
      (node): node is Record<string, unknown> => isContainer(node) && !Array.isArray(node),
    );
  return corpus.messages.flatMap((text) =>
    objectsOf(JSON.parse(text)).map((_, i) => {
      const root = JSON.parse(text) as unknown;
      const object = objectsOf(root)[i];
      if (object) setOwn(object, 'wharf_fuzz_deep', deep);
      return rawRecord(corpus, Buffer.from(serialize(root)), NO_HEADER_CHANGES);
    }),
  );
}

// ─── Checks ───────────────────────────────────────────────────────────────────

const STAGES = new Set(['source', 'parse', 'detect', 'validate', 'normalize', 'encode']);

/**
 * Throws, saying what is wrong, unless the output is one record on one of
 * the configured topics: a domain record on its domain's topic whose event
 * the canonical Avro type encodes, or a dead letter on the dead-letter topic
 * with the original bytes and headers and a failure that is not an
 * exception escaping a provider module (code INTERNAL).
 */
export function checkOutput(raw: RawRecord, output: PipelineOutput, config: PipelineConfig): void {
  if (output.kind === 'domain') {
    if (output.topic !== config.topics[output.domain] || output.topic === config.deadLetterTopic)
      throw new Error(`domain record of ${output.domain} on topic ${output.topic}`);
    if (output.key !== output.event.subject || output.headers.ce_id !== output.event.id)
      throw new Error('domain record key or ce_id does not match its event');
    const type = CANONICAL_TYPES[output.domain];
    const paths: string[] = [];
    if (!type.isValid(output.event, { errorHook: (path) => paths.push(path.join('.')) }))
      throw new Error(`routed event does not fit its canonical schema at ${paths.join(', ')}`);
    type.toBuffer(output.event);
    return;
  }
  if (output.topic !== config.deadLetterTopic)
    throw new Error(`dead letter on topic ${output.topic}`);
  if (output.value !== raw.value && !(output.value?.equals(raw.value ?? Buffer.alloc(0)) ?? false))
    throw new Error('dead letter lost the original bytes');
  for (const name of Object.keys(raw.headers)) {
    const kept = Object.values<string>(DEAD_LETTER_HEADERS).includes(name);
    if (!kept && output.headers[name] !== raw.headers[name])
      throw new Error(`dead letter lost the original header ${name}`);
  }
  if (!STAGES.has(output.error.stage)) throw new Error(`unknown stage ${output.error.stage}`);
  if (output.error.code === 'INTERNAL')
    throw new Error(`an exception escaped a provider module: ${output.error.message}`);
}

/** A cheap per-input check: a polluted prototype shows up as an enumerable key. */
export function checkNoEnumerablePollution(): void {
  for (const key in {}) throw new Error(`Object.prototype has a new key ${key}`);
  const added = Object.keys(Array.prototype);
  if (added.length > 0) throw new Error(`Array.prototype has new keys ${added.join(', ')}`);
}

const WATCHED_PROTOTYPES: readonly (readonly [string, object])[] = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
  ['Function.prototype', Function.prototype],
  ['String.prototype', String.prototype],
  ['Number.prototype', Number.prototype],
  ['Boolean.prototype', Boolean.prototype],
  ['Buffer.prototype', Buffer.prototype],
];

/** Every own property of the built-in prototypes, for {@link prototypeChanges}. */
export type PrototypeSnapshot = ReadonlyMap<string, PropertyDescriptor>;

export function prototypeSnapshot(): PrototypeSnapshot {
  const snapshot = new Map<string, PropertyDescriptor>();
  for (const [name, prototype] of WATCHED_PROTOTYPES) {
    snapshot.set(`${name} [[Prototype]]`, { value: Object.getPrototypeOf(prototype) as unknown });
    for (const key of Reflect.ownKeys(prototype)) {
      const descriptor = Object.getOwnPropertyDescriptor(prototype, key);
      if (descriptor) snapshot.set(`${name}.${String(key)}`, descriptor);
    }
  }
  return snapshot;
}

/** What was added to, removed from or changed on a built-in prototype since the snapshot. */
export function prototypeChanges(before: PrototypeSnapshot): string[] {
  const after = prototypeSnapshot();
  const changes: string[] = [];
  for (const [key, descriptor] of after) {
    const old = before.get(key);
    if (old === undefined) changes.push(`added ${key}`);
    else if (
      !Object.is(old.value, descriptor.value) ||
      old.get !== descriptor.get ||
      old.set !== descriptor.set ||
      old.writable !== descriptor.writable ||
      old.enumerable !== descriptor.enumerable ||
      old.configurable !== descriptor.configurable
    )
      changes.push(`changed ${key}`);
  }
  for (const key of before.keys()) if (!after.has(key)) changes.push(`removed ${key}`);
  return changes;
}

/** How the outputs of a run spread over topics and stages. */
export class Outcomes {
  readonly counts = new Map<string, number>();
  total = 0;

  add(output: PipelineOutput): void {
    const name = output.kind === 'domain' ? 'routed' : output.error.stage;
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
    this.total++;
  }

  count(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  toString(): string {
    return [...this.counts]
      .sort(([, a], [, b]) => b - a)
      .map(([name, count]) => `${name} ${String(count)}`)
      .join(', ');
  }
}

/** Reads WHARF_FUZZ_SEED: unset (a new seed) or an integer. */
function seedFromEnvironment(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(Number(value)))
    throw new Error(
      `WHARF_FUZZ_SEED must be an integer (a seed a fuzz run printed), not "${value}"`,
    );
  return Number(value) | 0;
}

/**
 * The seed of this run: WHARF_FUZZ_SEED when set, to replay a run, and a new
 * one otherwise, so that each run tries other inputs. Every batch's seed is
 * derived from it ({@link seedFor}): a run of `npm test` replays the first
 * batches of a full run with the same seed.
 */
export const FUZZ_SEED: number =
  seedFromEnvironment(process.env.WHARF_FUZZ_SEED) ?? randomInt(-(2 ** 31), 2 ** 31 - 1);

/** How to run the same inputs again, for messages. */
export const FUZZ_REPLAY = `WHARF_FUZZ_SEED=${String(FUZZ_SEED)}`;

/** The seed of one named batch: the run's seed mixed with the name (FNV-1a). */
export function seedFor(name: string, runSeed = FUZZ_SEED): number {
  let hash = runSeed | 0;
  for (const char of name) hash = (Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0) | 0;
  return hash;
}
