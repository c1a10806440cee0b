export { CALIBRATION, cosineToScore, scoreToCosine } from './calibration.js';
export {
  createEngine,
  type HumanEngineOptions,
  HumanFaceEngine,
  type SequenceAnalysis,
  type SequenceFrameInput,
} from './engine.js';
export { TemplateIndex } from './face-index.js';
export { DEFAULT_LIMITS } from './limits.js';
export * from './liveness/index.js';
export { templateToBase64, toTemplate } from './template.js';
export * from './types.js';
