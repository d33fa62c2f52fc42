/**
 * WHARF_SCHEMA_SUBJECT_STRATEGY, the setting that names the canonical
 * schemas' registry subjects (read by the worker and `wharf schemas check
 * --registry`): TopicNameStrategy unless told otherwise, a wrong value in
 * one line naming the setting, and domains sharing a topic refused where
 * that would make them share a subject.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadWorkerSettings } from '../../../src/config/config.ts';

const worker = { KAFKA_BROKERS: 'kafka-1:9092', SCHEMA_REGISTRY_URL: 'http://registry:8081' };

function issuesOf(env: Record<string, string>, role: 'worker' | 'ingress' = 'worker'): string[] {
  try {
    loadConfig({ ...worker, ...env }, role);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
  return [];
}

describe('WHARF_SCHEMA_SUBJECT_STRATEGY', () => {
  it('is topic unless set to topic-record', () => {
    expect(loadConfig(worker, 'worker').worker.schemaSubjectStrategy).toBe('topic');
    expect(loadWorkerSettings({}).schemaSubjectStrategy).toBe('topic');
    expect(
      loadWorkerSettings({ WHARF_SCHEMA_SUBJECT_STRATEGY: 'topic-record' }).schemaSubjectStrategy,
    ).toBe('topic-record');
  });

  it('refuses anything else in one line naming the setting and its values', () => {
    expect(issuesOf({ WHARF_SCHEMA_SUBJECT_STRATEGY: 'TopicRecordNameStrategy' })).toEqual([
      'WHARF_SCHEMA_SUBJECT_STRATEGY: Invalid option: expected one of "topic"|"topic-record"',
    ]);
    expect(() => loadWorkerSettings({ WHARF_SCHEMA_SUBJECT_STRATEGY: 'record' })).toThrow(
      ConfigError,
    );
  });

  it('lets domains share a topic only when subjects name the record too', () => {
    const shared = { WHARF_ORDERS_TOPIC: 'logistics.v1', WHARF_FULFILLMENT_TOPIC: 'logistics.v1' };
    expect(issuesOf(shared)).toEqual([
      'WHARF_SCHEMA_SUBJECT_STRATEGY: topic gives a topic one subject, but orders, fulfillment ' +
        'share a topic; give each domain its own topic, or set topic-record',
    ]);
    expect(issuesOf({ ...shared, WHARF_SCHEMA_SUBJECT_STRATEGY: 'topic-record' })).toEqual([]);
  });
});
