/**
 * The resources the chart makes, read from its templates with the template
 * actions taken out (test/integration/deploy/helm.test.ts renders them with
 * Helm): each kind the deployment needs, each optional one behind its switch,
 * and the settings that make the pods safe and the dashboard found.
 */
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { defaultValues, strippedTemplate, template, templateNames, valueAt } from './chart.ts';
import { record } from './files.ts';

/** Every resource of every template: its kind, its template and the parsed document. */
function resources(): { kind: string; file: string; body: Record<string, unknown> }[] {
  return templateNames()
    .filter((name) => name.endsWith('.yaml'))
    .flatMap((file) =>
      parseAllDocuments(strippedTemplate(template(file)))
        .map((document) => document.toJS() as unknown)
        .filter((body) => body !== null && typeof body === 'object')
        .map((body) => ({ kind: String(record(body).kind), file, body: record(body) })),
    );
}

describe('the Helm chart makes', () => {
  const all = resources();
  const kinds = (kind: string) => all.filter((resource) => resource.kind === kind);

  it.each([
    ['Deployment', 2],
    ['Service', 2],
    ['ConfigMap', 2],
    ['Secret', 2],
    ['PodDisruptionBudget', 2],
    ['HorizontalPodAutoscaler', 1],
    ['ScaledObject', 1],
    ['TriggerAuthentication', 1],
    ['ServiceMonitor', 1],
    ['PrometheusRule', 1],
    ['Ingress', 1],
  ])('%s × %i', (kind, count) => {
    expect(kinds(kind)).toHaveLength(count);
  });

  it.each([
    ['hpa-ingress.yaml', '.Values.ingressDeployment.autoscaling.enabled'],
    ['scaledobject-worker.yaml', '.Values.workerDeployment.keda.enabled'],
    ['servicemonitor.yaml', '.Values.monitoring.serviceMonitor.enabled'],
    ['prometheusrule.yaml', '.Values.monitoring.prometheusRule.enabled'],
    ['ingress.yaml', '.Values.ingress.enabled'],
    ['pdb.yaml', '.Values.ingressDeployment.podDisruptionBudget.enabled'],
    ['pdb.yaml', '.Values.workerDeployment.podDisruptionBudget.enabled'],
  ])('%s only when %s', (file, condition) => {
    expect(template(file)).toContain(`{{- if ${condition} }}`);
  });

  it('the dashboard as a ConfigMap the Grafana sidecar finds', () => {
    expect(valueAt(defaultValues(), 'monitoring.dashboard.labels')).toEqual({
      grafana_dashboard: '1',
    });
    const text = template('dashboard-configmap.yaml');
    expect(text).toContain('{{- with .Values.monitoring.dashboard.labels }}');
    expect(text).toContain('.Files.Get "dashboards/wharf.json"');
  });

  it('KEDA scaling capped at the partition count', () => {
    expect(template('scaledobject-worker.yaml')).toMatch(
      /maxReplicaCount: \{\{ include "wharf\.workerMaxReplicas" \. \}\}/,
    );
    const helper = template('_helpers.tpl');
    expect(helper).toContain('{{- define "wharf.workerMaxReplicas" -}}');
    expect(helper).toMatch(/gt \(int64 \$max\) \$partitions[\s\S]*fail/);
  });

  it('pods that run as non-root, with a read-only root filesystem and no privilege escalation', () => {
    const values = defaultValues();
    expect(valueAt(values, 'podSecurityContext')).toMatchObject({ runAsNonRoot: true });
    expect(valueAt(values, 'securityContext')).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
  });

  it.each([
    ['ingress', 'deployment-ingress.yaml', 'metrics'],
    ['worker', 'deployment-worker.yaml', 'metrics'],
  ])(
    '%s pods with those security contexts, and probes on /livez and /readyz',
    (role, file, port) => {
      const text = template(file);
      for (const setting of [
        'toYaml .Values.podSecurityContext',
        'toYaml .Values.securityContext',
        `toYaml .Values.${role}Deployment.livenessProbe`,
        `toYaml .Values.${role}Deployment.readinessProbe`,
      ]) {
        expect(text, setting).toContain(setting);
      }
      const values = defaultValues();
      expect(valueAt(values, `${role}Deployment.livenessProbe`)).toMatchObject({
        httpGet: { path: '/livez', port },
      });
      expect(valueAt(values, `${role}Deployment.readinessProbe`)).toMatchObject({
        httpGet: { path: '/readyz', port },
      });
    },
  );
});
