/**
 * Cheap live hints from the camera frames: brightness and contrast of the middle of a tiny
 * downscaled frame, and, where the browser has the Shape Detection API, the face count and size.
 * No model is loaded: browsers without `FaceDetector` get brightness-only hints.
 */
import type { MessageKey } from '../messages/index.js';

export interface Light {
  /** Mean luma of the centre region, 0..1. */
  mean: number;
  /** Standard deviation of luma there, 0..1 (near 0: a covered lens or a blank wall). */
  spread: number;
}

/** Luma statistics of the centre half (width) and two thirds (height) of an RGBA frame. */
export function measureLight(rgba: Uint8ClampedArray, width: number, height: number): Light {
  const x0 = Math.floor(width / 4);
  const x1 = Math.ceil((width * 3) / 4);
  const y0 = Math.floor(height / 6);
  const y1 = Math.ceil((height * 5) / 6);
  let sum = 0;
  let sq = 0;
  let n = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * width + x) * 4;
      const l = (0.2126 * (rgba[i] ?? 0) + 0.7152 * (rgba[i + 1] ?? 0) + 0.0722 * (rgba[i + 2] ?? 0)) / 255;
      sum += l;
      sq += l * l;
      n++;
    }
  }
  if (n === 0) return { mean: 0, spread: 0 };
  const mean = sum / n;
  return { mean, spread: Math.sqrt(Math.max(0, sq / n - mean * mean)) };
}

export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The hint to show; `hintGood` means the frame looks worth sending. */
export function hintFor(light: Light, faces: readonly FaceBox[] | undefined, frameWidth: number): MessageKey {
  if (light.mean < 0.22) return 'hintDark';
  if (light.mean > 0.88) return 'hintBright';
  // A flat frame has nothing in it, whatever a detector would say.
  if (light.spread < 0.03) return 'hintNoFace';
  if (!faces) return 'hintPlaceFace';
  if (faces.length === 0) return 'hintNoFace';
  if (faces.length > 1) return 'hintMultiple';
  const face = faces[0] as FaceBox;
  const share = face.width / frameWidth;
  if (share < 0.22) return 'hintCloser';
  if (share > 0.75) return 'hintFarther';
  const centre = (face.x + face.width / 2) / frameWidth;
  if (centre < 0.3 || centre > 0.7) return 'hintCenter';
  return 'hintGood';
}

interface DetectedFace {
  boundingBox: DOMRectReadOnly;
}
interface ShapeFaceDetector {
  detect(source: CanvasImageSource): Promise<DetectedFace[]>;
}
type FaceDetectorCtor = new (opts?: { fastMode?: boolean; maxDetectedFaces?: number }) => ShapeFaceDetector;

/** The browser's own face detector (Shape Detection API), when it has one that works. */
export function browserFaceDetector():
  | ((video: HTMLVideoElement) => Promise<FaceBox[] | undefined>)
  | undefined {
  const Ctor = (globalThis as { FaceDetector?: FaceDetectorCtor }).FaceDetector;
  if (!Ctor) return undefined;
  let detector: ShapeFaceDetector | undefined;
  try {
    detector = new Ctor({ fastMode: true, maxDetectedFaces: 3 });
  } catch {
    return undefined;
  }
  let broken = false;
  return async (video) => {
    if (broken || !detector) return undefined;
    try {
      const faces = await detector.detect(video);
      return faces.map((f) => ({
        x: f.boundingBox.x,
        y: f.boundingBox.y,
        width: f.boundingBox.width,
        height: f.boundingBox.height,
      }));
    } catch {
      // Some platforms expose the constructor but cannot detect (NotSupportedError): fall back for good.
      broken = true;
      return undefined;
    }
  };
}
