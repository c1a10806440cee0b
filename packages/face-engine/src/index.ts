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
  DEFAULT_KEY_FRAMES,
  DEFAULT_TEMPLATE_FRAMES,
  type HumanEngineOptions,
  HumanFaceEngine,
  keyFrameIndices,
  type SequenceAnalysis,
  type SequenceAnalysisOptions,
  type SequenceFrameInput,
  type SequencePlan,
  sequencePasses,
  sequencePlan,
} from './engine.js';
export { TemplateIndex } from './face-index.js';
export { SEQUENCE_FRAME_MAX_SIDE, type SequenceFramePass, TRACKED_SCALE_CHANGE } from './human-runtime.js';
export { DEFAULT_LIMITS } from './limits.js';
export * from './liveness/index.js';
export { LIVENESS_IDENTITY_MODEL, TEMPLATE_MODELS, type TemplateModel, templateModelOf } from './models.js';
export { templateToBase64, toTemplate } from './template.js';
export * from './types.js';
