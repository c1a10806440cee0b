import { contract } from './bundle.js';

/**
 * The face image limits the spec declares on `FaceImage` (`x-max-bytes`, `x-max-pixels`): the
 * engine enforces these, the pixel count from the image header before anything is decoded.
 */
export function faceImageLimits(): { maxBytes: number; maxPixels: number } {
  const schema = contract.resolve(contract.spec.components.schemas.FaceImage);
  const maxBytes = schema?.['x-max-bytes'];
  const maxPixels = schema?.['x-max-pixels'];
  if (typeof maxBytes !== 'number' || typeof maxPixels !== 'number')
    throw new Error('The spec declares no x-max-bytes / x-max-pixels on FaceImage');
  return { maxBytes, maxPixels };
}
