/**
 * A small PromQL reader for the operations tests: it finds the metric
 * selectors, label matchers and `by`/`without` groupings of an expression
 * and checks them against Wharf's metric catalog. It is not a PromQL parser
 * (no operator precedence, no evaluation): it knows enough to say that every
 * series an expression reads exists, with the labels the expression uses,
 * and that its brackets balance. The alert rules are its inputs (a real
 * Prometheus evaluates the dashboard's queries: test/integration/monitoring),
 * and they are written in the prefix form it reads (`sum by (source) (...)`);
 * it also lists the metrics the dashboard reads, for the coverage check.
 */
import { createMetrics } from '../../../src/metrics/catalog.ts';

/** One metric of the catalog, as its registry describes it. */
export interface CatalogMetric {
  readonly name: string;
  readonly type: string;
  readonly help: string;
  readonly labelNames: readonly string[];
}

/** One series name Prometheus stores, with the labels it carries. */
export interface Series {
  readonly metric: CatalogMetric;
  readonly labels: ReadonlySet<string>;
}

/**
 * Labels Prometheus adds to every scraped series itself, in the local stack
 * (static targets) as under the Prometheus Operator.
 */
export const TARGET_LABELS: readonly string[] = ['job', 'instance'];

/** Every metric the Wharf processes export, prom-client's default metrics included. */
export function catalogMetrics(): CatalogMetric[] {
  const { registry } = createMetrics({ defaultMetrics: true });
  return registry.getMetricsAsArray().map((metric) => {
    // prom-client keeps labelNames on every metric object; its type does not declare it.
    const { labelNames } = metric as unknown as { labelNames?: unknown };
    return {
      name: metric.name,
      type: String(metric.type),
      help: metric.help,
      labelNames: Array.isArray(labelNames) ? labelNames.map(String) : [],
    };
  });
}

/**
 * The series names the catalog's metrics expose: a counter or gauge under its
 * name, a histogram as `_bucket` (with `le`), `_sum` and `_count`, a summary
 * as its name (with `quantile`), `_sum` and `_count`.
 */
export function seriesIndex(metrics: readonly CatalogMetric[]): Map<string, Series> {
  const index = new Map<string, Series>();
  const add = (name: string, metric: CatalogMetric, extra: readonly string[] = []) => {
    index.set(name, { metric, labels: new Set([...metric.labelNames, ...extra]) });
  };
  for (const metric of metrics) {
    if (metric.type === 'histogram') {
      add(`${metric.name}_bucket`, metric, ['le']);
      add(`${metric.name}_sum`, metric);
      add(`${metric.name}_count`, metric);
    } else if (metric.type === 'summary') {
      add(metric.name, metric, ['quantile']);
      add(`${metric.name}_sum`, metric);
      add(`${metric.name}_count`, metric);
    } else {
      add(metric.name, metric);
    }
  }
  return index;
}

type TokenKind = 'identifier' | 'string' | 'number' | 'variable' | 'punctuation' | 'operator';

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
}

const AGGREGATIONS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
  'limitk',
  'limit_ratio',
]);
const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'inf',
  'nan',
  'atan2',
]);
const OPERATORS = ['=~', '!~', '!=', '==', '>=', '<=', '=', '>', '<', '+', '-', '*', '/', '%', '^'];

/** Splits an expression into tokens; throws on a character PromQL does not have. */
export function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < expression.length) {
    const rest = expression.slice(at);
    const char = rest[0] ?? '';
    if (/\s/.test(char)) {
      at += 1;
      continue;
    }
    if (char === '#') {
      // A comment runs to the end of the line.
      const end = rest.indexOf('\n');
      at += end === -1 ? rest.length : end;
      continue;
    }
    const quoted = /^("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)/.exec(rest);
    const word =
      /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(rest) ??
      /^\$\{?[A-Za-z0-9_]+\}?/.exec(rest) ??
      /^[0-9.][0-9A-Za-z_.]*/.exec(rest);
    if (quoted) {
      tokens.push({ kind: 'string', text: quoted[0] });
      at += quoted[0].length;
    } else if (word) {
      const text = word[0];
      const kind = text.startsWith('$')
        ? 'variable'
        : /^[0-9.]/.test(text)
          ? 'number'
          : 'identifier';
      tokens.push({ kind, text });
      at += text.length;
    } else if ('(){}[],'.includes(char)) {
      tokens.push({ kind: 'punctuation', text: char });
      at += 1;
    } else {
      const operator = OPERATORS.find((candidate) => rest.startsWith(candidate));
      if (!operator) throw new Error(`unexpected character ${JSON.stringify(char)} at ${at}`);
      tokens.push({ kind: 'operator', text: operator });
      at += operator.length;
    }
  }
  return tokens;
}

/** A metric selector: `name{label op "value", ...}`. */
export interface Selector {
  readonly metric: string;
  readonly matchers: readonly { readonly label: string; readonly op: string }[];
  /** Token position, to place it inside groupings. */
  readonly position: number;
}

/** An aggregation's `by (...)` or `without (...)` and the span of its body. */
export interface Grouping {
  readonly aggregation: string;
  readonly mode: 'by' | 'without';
  readonly labels: readonly string[];
  readonly bodyStart: number;
  readonly bodyEnd: number;
}

/** What an expression reads. */
export interface ParsedExpression {
  readonly selectors: readonly Selector[];
  readonly groupings: readonly Grouping[];
}

const CLOSING: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}' };

/** Positions of the bracket matching each opening bracket; throws when they do not balance. */
function matchBrackets(tokens: readonly Token[]): Map<number, number> {
  const matches = new Map<number, number>();
  const open: number[] = [];
  tokens.forEach((token, position) => {
    if (token.kind !== 'punctuation') return;
    if (token.text in CLOSING) {
      open.push(position);
      return;
    }
    if (!')]}'.includes(token.text)) return;
    const start = open.pop();
    if (start === undefined) throw new Error(`unbalanced "${token.text}": nothing to close`);
    const opener = tokens[start]?.text ?? '';
    if (CLOSING[opener] !== token.text) {
      throw new Error(`unbalanced brackets: "${opener}" closed by "${token.text}"`);
    }
    matches.set(start, position);
  });
  const unclosed = open.pop();
  if (unclosed !== undefined) {
    throw new Error(`unbalanced "${tokens[unclosed]?.text ?? ''}": never closed`);
  }
  return matches;
}

/** The identifiers of a parenthesised label list starting at `open`. */
function labelList(tokens: readonly Token[], open: number, close: number): string[] {
  return tokens
    .slice(open + 1, close)
    .filter((token) => token.text !== ',')
    .map((token) => {
      if (token.kind !== 'identifier') throw new Error(`"${token.text}" is not a label name`);
      return token.text;
    });
}

/**
 * Reads the selectors and groupings of an expression.
 *
 * @throws when brackets do not balance or a grouping is written after its
 * body (`sum(x) by (a)`), a form this reader does not follow.
 */
export function parseExpression(expression: string): ParsedExpression {
  const tokens = tokenize(expression);
  const matches = matchBrackets(tokens);
  const closeOf = (position: number): number => {
    const close = matches.get(position);
    if (close === undefined) throw new Error(`no bracket to match at token ${position}`);
    return close;
  };
  const selectors: Selector[] = [];
  const groupings: Grouping[] = [];
  let position = 0;
  while (position < tokens.length) {
    const token = tokens[position];
    const next = tokens[position + 1];
    if (!token) break;
    if (token.text === '[') {
      // Range or subquery: durations and dashboard variables, no series.
      position = closeOf(position) + 1;
      continue;
    }
    if (token.kind !== 'identifier') {
      position += 1;
      continue;
    }
    const name = token.text;
    if (name === 'by' || name === 'without') {
      const aggregation = tokens[position - 1];
      if (!aggregation || !AGGREGATIONS.has(aggregation.text)) {
        throw new Error(
          `"${name}" must follow its aggregation (write "sum ${name} (...) (...)", not "sum(...) ${name} (...)")`,
        );
      }
      if (next?.text !== '(') throw new Error(`"${name}" needs a label list`);
      const labelsEnd = closeOf(position + 1);
      const bodyStart = labelsEnd + 1;
      if (tokens[bodyStart]?.text !== '(') throw new Error(`"${name} (...)" needs a body`);
      groupings.push({
        aggregation: aggregation.text,
        mode: name,
        labels: labelList(tokens, position + 1, labelsEnd),
        bodyStart,
        bodyEnd: closeOf(bodyStart),
      });
      position = bodyStart;
      continue;
    }
    if (['on', 'ignoring', 'group_left', 'group_right'].includes(name)) {
      // Vector matching labels: skip the list.
      position = next?.text === '(' ? closeOf(position + 1) + 1 : position + 1;
      continue;
    }
    if (next?.text === '(' || AGGREGATIONS.has(name) || KEYWORDS.has(name)) {
      // A function or aggregation call, or a keyword.
      position += 1;
      continue;
    }
    const matchers: { label: string; op: string }[] = [];
    let after = position + 1;
    if (next?.text === '{') {
      const close = closeOf(position + 1);
      const inside = tokens.slice(position + 2, close).filter((item) => item.text !== ',');
      for (let index = 0; index < inside.length; index += 3) {
        const [label, op, value] = [inside[index], inside[index + 1], inside[index + 2]];
        if (label?.kind !== 'identifier' || op?.kind !== 'operator' || value?.kind !== 'string') {
          throw new Error(`bad label matcher in ${name}{...}`);
        }
        matchers.push({ label: label.text, op: op.text });
      }
      after = close + 1;
    }
    selectors.push({ metric: name, matchers, position });
    position = after;
  }
  return { selectors, groupings };
}

/**
 * The problems of an expression against the series index: metrics that do not
 * exist, labels a metric does not have (in matchers and groupings), bucket
 * aggregations that drop `le`, unbalanced brackets. Empty when it is sound.
 */
export function expressionProblems(
  expression: string,
  index: ReadonlyMap<string, Series>,
): string[] {
  let parsed: ParsedExpression;
  try {
    parsed = parseExpression(expression);
  } catch (error) {
    return [(error as Error).message];
  }
  const problems: string[] = [];
  const hasLabel = (series: Series, label: string) =>
    series.labels.has(label) || TARGET_LABELS.includes(label);
  for (const selector of parsed.selectors) {
    const series = index.get(selector.metric);
    if (!series) {
      problems.push(`unknown metric ${selector.metric}`);
      continue;
    }
    for (const { label } of selector.matchers) {
      if (!hasLabel(series, label)) problems.push(`${selector.metric} has no label "${label}"`);
    }
  }
  for (const grouping of parsed.groupings) {
    const inside = parsed.selectors.filter(
      (selector) => selector.position > grouping.bodyStart && selector.position < grouping.bodyEnd,
    );
    for (const selector of inside) {
      const series = index.get(selector.metric);
      if (!series) continue;
      for (const label of grouping.labels) {
        if (!hasLabel(series, label)) {
          problems.push(`${grouping.mode} (${label}): ${selector.metric} has no label "${label}"`);
        }
      }
      if (
        grouping.mode === 'by' &&
        selector.metric.endsWith('_bucket') &&
        !grouping.labels.includes('le')
      ) {
        problems.push(`${grouping.aggregation} by (...) over ${selector.metric} drops "le"`);
      }
    }
  }
  return problems;
}

/** The metric names an expression reads (for coverage checks). */
export function metricsOf(expression: string): string[] {
  return parseExpression(expression).selectors.map((selector) => selector.metric);
}
