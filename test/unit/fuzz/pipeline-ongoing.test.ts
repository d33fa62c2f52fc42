/** Fuzzes the pure pipeline with 100,000 hostile ongoing inputs (see suite.ts). */
import { fuzzPipeline } from './suite.ts';

fuzzPipeline('ongoing');
