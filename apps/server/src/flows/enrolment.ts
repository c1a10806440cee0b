import type { FaceAnalysisOk } from '@faceproof/face-engine';
import { templateBytes } from './analysis.js';
import type { Enrolment, Person, StoredTemplate } from './types.js';

function imageMime(image: string, format: string | undefined) {
  const m = /^data:([\w/+.-]+);base64,/.exec(image);
  return m?.[1] ?? `image/${format ?? 'jpeg'}`;
}

/** The analysis's templates of the given models (a model the engine did not run is skipped). */
export function storedTemplates(
  analysis: FaceAnalysisOk,
  models: readonly string[],
  o: { personId: string; collectionId: string; at: string; newId: () => string },
): StoredTemplate[] {
  return models.flatMap((model) => {
    const t = analysis.templates[model];
    return t
      ? [
          {
            id: o.newId(),
            personId: o.personId,
            collectionId: o.collectionId,
            model,
            template: templateBytes(t),
            createdAt: o.at,
          },
        ]
      : [];
  });
}

function imageBytes(image: string) {
  return new Uint8Array(Buffer.from(image.replace(/^data:[^,]*,/, ''), 'base64'));
}

export interface EnrolmentInput {
  person: Omit<Person, 'createdAt' | 'updatedAt'>;
  analysis: FaceAnalysisOk;
  /** The image as sent (data URI or bare base64), kept only with `retainFaceImage`. */
  image: string;
  retainFaceImage: boolean;
  /**
   * The models whose templates are stored (Faces.storedModels: the engine's, and any a collection still
   * searches). Each stored template names its model, since templates of different models do not compare.
   */
  templateModels: readonly string[];
  at: string;
  newId: () => string;
  /** An enrolled person whose templates and images the new ones replace (app registration `force`). */
  replacePersonId?: string;
}

/** The one enrolment builder: the person, its templates and, if the flow retains images, its image. */
export function buildEnrolment(e: EnrolmentInput): Enrolment {
  const { id: personId, collectionId } = e.person;
  return {
    person: { ...e.person, createdAt: e.at, updatedAt: e.at },
    templates: storedTemplates(e.analysis, e.templateModels, {
      personId,
      collectionId,
      at: e.at,
      newId: e.newId,
    }),
    image: e.retainFaceImage
      ? {
          id: e.newId(),
          personId,
          mime: imageMime(e.image, e.analysis.image.format),
          image: imageBytes(e.image),
          createdAt: e.at,
        }
      : undefined,
    ...(e.replacePersonId ? { replacePersonId: e.replacePersonId } : {}),
  };
}
