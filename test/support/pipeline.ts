/** A pipeline configured as a deployment without overrides has it, for tests of the pure core. */
import { loadWorkerSettings } from '../../src/config/config.ts';
import { providerAdapters } from '../../src/providers/index.ts';
import { pipelineConfigOf } from '../../src/worker/pipeline.ts';
import type { PipelineConfig } from '../../src/worker/pipeline.ts';

/** The real providers, default topics and dead-letter topic, zone UTC. */
export function pipelineDefaults(): PipelineConfig {
  const settings = loadWorkerSettings({});
  return pipelineConfigOf(settings, providerAdapters(settings.providerSettings));
}
