/**
 * Every alert links to its section of the runbook: a `runbook_url` on one
 * https base ending in docs/runbook.md, whose anchor is the alert's name in
 * lower case and the anchor of a section heading of docs/runbook.md, as GitHub
 * and GitLab render them. And the runbook keeps no section for an alert that
 * is gone.
 */
import { describe, expect, it } from 'vitest';
import { list, readText, readYaml, record } from './files.ts';

const ALERTS = 'helm/wharf/files/alerts.yaml';
const RUNBOOK = 'docs/runbook.md';

interface Alert {
  readonly name: string;
  readonly runbookUrl: unknown;
}

function alerts(): Alert[] {
  return list(record(readYaml(ALERTS)).groups).flatMap((group) =>
    list(record(group).rules)
      .map(record)
      .filter((rule) => rule.alert !== undefined)
      .map((rule) => ({
        name: String(rule.alert),
        runbookUrl: record(rule.annotations).runbook_url,
      })),
  );
}

/** A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

interface Heading {
  readonly level: number;
  readonly text: string;
  readonly anchor: string;
}

/** The ATX headings of a Markdown text, outside fenced code blocks; a repeated anchor gets -1, -2… */
function headings(markdown: string): Heading[] {
  const found: Heading[] = [];
  const seen = new Map<string, number>();
  let fence: { char: string; length: number } | undefined;
  for (const line of markdown.split('\n')) {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker !== undefined) {
      const char = marker.charAt(0);
      if (fence === undefined) fence = { char, length: marker.length };
      else if (char === fence.char && marker.length >= fence.length) fence = undefined;
      continue;
    }
    if (fence !== undefined) continue;
    const heading = /^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (!heading) continue;
    const text = heading[2] ?? '';
    const base = anchorOf(text);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    found.push({
      level: heading[1]?.length ?? 0,
      text,
      anchor: count === 0 ? base : `${base}-${String(count)}`,
    });
  }
  return found;
}

/** An alert's runbook_url parsed; undefined when it has none or not a URL (the first test says so). */
function runbookUrl(alert: Alert): URL | undefined {
  return typeof alert.runbookUrl === 'string' && URL.canParse(alert.runbookUrl)
    ? new URL(alert.runbookUrl)
    : undefined;
}

const all = alerts();
const sections = headings(readText(RUNBOOK));

describe('the runbook links of the alert rules', () => {
  it('make anchors as GitHub does, and read headings outside code blocks only', () => {
    expect(anchorOf('Kafka ACLs: what each process may do')).toBe(
      'kafka-acls-what-each-process-may-do',
    );
    expect(headings('# A\n```sh\n# not a heading\n```\n## A\n## WharfX')).toEqual([
      { level: 1, text: 'A', anchor: 'a' },
      { level: 2, text: 'A', anchor: 'a-1' },
      { level: 2, text: 'WharfX', anchor: 'wharfx' },
    ]);
  });

  it('give every alert a runbook_url', () => {
    expect(all.length).toBeGreaterThan(0);
    const missing = all.filter((alert) => !runbookUrl(alert)).map((alert) => alert.name);
    expect(missing, `alerts of ${ALERTS} without a URL in annotations.runbook_url`).toEqual([]);
  });

  it('all point at one https base ending in docs/runbook.md', () => {
    const bases = new Set(
      all.flatMap((alert) => {
        const url = runbookUrl(alert);
        if (!url) return [];
        expect(url.protocol, alert.name).toBe('https:');
        expect(url.pathname, alert.name).toMatch(/\/docs\/runbook\.md$/);
        return [`${url.origin}${url.pathname}`];
      }),
    );
    expect([...bases], 'one base for every runbook_url').toHaveLength(1);
  });

  it("end in the alert's name in lower case, the anchor of its section heading in docs/runbook.md", () => {
    const anchors = new Set(sections.map((heading) => heading.anchor));
    const problems = all.flatMap((alert) => {
      const anchor = alert.name.toLowerCase();
      const hash = runbookUrl(alert)?.hash ?? '(no URL)';
      return [
        ...(hash === `#${anchor}`
          ? []
          : [`${alert.name}: runbook_url ends in ${hash}, not #${anchor}`]),
        ...(anchors.has(anchor)
          ? []
          : [`${alert.name}: no heading of ${RUNBOOK} has the anchor #${anchor}`]),
        ...(sections.some((heading) => heading.level === 2 && heading.text === alert.name)
          ? []
          : [`${alert.name}: no section "## ${alert.name}" in ${RUNBOOK}`]),
      ];
    });
    expect(problems).toEqual([]);
  });

  it('leave no section for an alert the rules no longer have', () => {
    const names = new Set(all.map((alert) => alert.name));
    const stale = sections
      .filter((heading) => heading.level === 2 && /^Wharf[A-Za-z0-9]+$/.test(heading.text))
      .map((heading) => heading.text)
      .filter((text) => !names.has(text));
    expect(stale, `sections of ${RUNBOOK} for alerts ${ALERTS} lacks`).toEqual([]);
  });
});
