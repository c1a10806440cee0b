export {
  CALIBRATION,
  CALIBRATIONS,
  type Calibration,
  cosineToScore,
  DEFAULT_TEMPLATE_MODEL,
  scoreToCosine,
  type TemplateModelName,
} from './calibration.js';
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
export { TEMPLATE_MODELS, type TemplateModel, templateModelOf } from './models.js';
export { templateToBase64, toTemplate } from './template.js';
export * from './types.js';
