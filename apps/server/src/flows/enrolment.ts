import type { FaceAnalysisOk } from '@faceproof/face-engine';
import { templateBytes } from './analysis.js';
import type { Enrolment, Person } from './types.js';

function imageMime(image: string, format: string | undefined) {
  const m = /^data:([\w/+.-]+);base64,/.exec(image);
  return m?.[1] ?? `image/${format ?? 'jpeg'}`;
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
   * The engine's `info.templateModel` (`human-<version>/faceres`): a stored template must name the
   * model that made it, since templates of different models or versions do not compare.
   */
  templateModel: string;
  at: string;
  newId: () => string;
  /** An enrolled person whose templates and images the new ones replace (app registration `force`). */
  replacePersonId?: string;
}

/** The one enrolment builder: the person, its template and, if the flow retains images, its image. */
export function buildEnrolment(e: EnrolmentInput): Enrolment {
  const { id: personId, collectionId } = e.person;
  return {
    person: { ...e.person, createdAt: e.at, updatedAt: e.at },
    template: {
      id: e.newId(),
      personId,
      collectionId,
      model: e.templateModel,
      template: templateBytes(e.analysis.template),
      createdAt: e.at,
    },
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
