// Node-only helpers, kept out of the main entry so browser bundles never see `node:fs`.
import { readFile } from 'node:fs/promises';
import { FaceproofImageError } from './errors.js';
import { toImageDataUri } from './image.js';

/** Reads a JPEG, PNG or WebP file and returns it as the `image` field the API accepts (a data URI). */
export async function imageFromFile(path: string | URL): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new FaceproofImageError(`cannot read image file ${String(path)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return toImageDataUri(bytes);
}

export { toImageDataUri } from './image.js';
