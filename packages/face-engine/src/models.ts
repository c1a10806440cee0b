/** The template models the engine can run, by short name and by the id stored next to each template. */
import {
  CALIBRATIONS,
  type Calibration,
  DEFAULT_TEMPLATE_MODEL,
  type TemplateModelName,
} from './calibration.js';
import { DLIB_DIM, DLIB_MODEL_ID } from './dlib-resnet.js';
import { FACERES_MODEL_ID } from './human-runtime.js';

export interface TemplateModel {
  name: TemplateModelName;
  /** Names the template space (package, version, network): templates of different ids never compare. */
  id: string;
  dim: number;
  calibration: Calibration;
}

export const TEMPLATE_MODELS: Readonly<Record<TemplateModelName, TemplateModel>> = {
  faceres: { name: 'faceres', id: FACERES_MODEL_ID, dim: 1024, calibration: CALIBRATIONS.faceres },
  dlib: { name: 'dlib', id: DLIB_MODEL_ID, dim: DLIB_DIM, calibration: CALIBRATIONS.dlib },
};

export { DEFAULT_TEMPLATE_MODEL };

/**
 * The model whose templates the liveness identity check compares (frames with each other and with the
 * still): dlib's, the engine's default, whose templates of one person stay close across the turns a
 * challenge asks for (EVALUATION.md). An engine that stores another model still describes a liveness
 * still (`livenessStill`) and the template frames of a sequence with it.
 */
export const LIVENESS_IDENTITY_MODEL = TEMPLATE_MODELS.dlib.id;

/** The model a stored id names, by id or short name; undefined for a model this engine does not run. */
export function templateModelOf(idOrName: string): TemplateModel | undefined {
  return Object.values(TEMPLATE_MODELS).find((m) => m.id === idOrName || m.name === idOrName);
}
