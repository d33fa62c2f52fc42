/**
 * Wharf's alert rules, checked by Prometheus's own tool: `promtool check
 * rules` on the rules file the chart and compose ship, and `promtool test
 * rules` on its unit tests (test/monitoring/alerts.test.yaml), in which every
 * alert fires when it should and stays silent when it should not.
 */
import { describe, expect, it } from 'vitest';
import { list, readYaml, record } from '../../unit/ops/files.ts';
import { prometheusTool, runTool } from '../../support/prometheus.ts';

const ALERTS = 'helm/wharf/files/alerts.yaml';
const ALERT_TESTS = 'test/monitoring/alerts.test.yaml';
const ROOT = new URL('../../../', import.meta.url).pathname;

const promtool = await prometheusTool('promtool');

/** The alert names of the rules file. */
function alertNames(): string[] {
  return list(record(readYaml(ALERTS)).groups).flatMap((group) =>
    list(record(group).rules)
      .map(record)
      .filter((rule) => rule.alert !== undefined)
      .map((rule) => String(rule.alert)),
  );
}

/** One `alert_rule_test` of the unit tests: which alert, and whether it expects it firing. */
interface AlertCase {
  readonly test: string;
  readonly alertname: string;
  readonly fires: boolean;
}

function alertCases(): AlertCase[] {
  const unitTests = record(readYaml(ALERT_TESTS));
  return list(unitTests.tests)
    .map(record)
    .flatMap((test) =>
      list(test.alert_rule_test)
        .map(record)
        .map((check) => ({
          test: String(test.name),
          alertname: String(check.alertname),
          fires: list(check.exp_alerts).length > 0,
        })),
    );
}

describe('the alert unit tests', () => {
  it('test every alert both firing and silent, and no alert the rules do not have', () => {
    const alerts = alertNames();
    const cases = alertCases();
    expect(alerts.length).toBeGreaterThan(0);
    const missing = alerts.flatMap((alert) => [
      ...(cases.some((check) => check.alertname === alert && check.fires)
        ? []
        : [`${alert}: no test where it fires`]),
      ...(cases.some((check) => check.alertname === alert && !check.fires)
        ? []
        : [`${alert}: no test where it stays silent`]),
    ]);
    expect(missing, `add them to ${ALERT_TESTS}`).toEqual([]);
    // promtool passes a silent test of a misspelt alert name: nothing by that name ever fires.
    const unknown = cases.filter((check) => !alerts.includes(check.alertname));
    expect(unknown, `alert names in ${ALERT_TESTS} that ${ALERTS} lacks`).toEqual([]);
  });
});

describe.skipIf(!promtool.run)(
  `the alert rules, checked by promtool ${promtool.run ? promtool.version : ''}`,
  () => {
    const command = promtool.run ? promtool.command : 'promtool';

    it('pass promtool check rules', async () => {
      const { code, output } = await runTool(command, ['check', 'rules', ALERTS], { cwd: ROOT });
      expect(code, `promtool check rules ${ALERTS}:\n${output}`).toBe(0);
    });

    it('pass their unit tests (promtool test rules)', async () => {
      const { code, output } = await runTool(command, ['test', 'rules', ALERT_TESTS], {
        cwd: ROOT,
      });
      expect(code, `promtool test rules ${ALERT_TESTS}:\n${output}`).toBe(0);
    });
  },
);
