/** Camera access, frame capture and photo files, all turned into one JPEG data URI for the API. */

/** A landscape frame is sent as 640x480, a portrait one (phones) as 480x640: the spec's advice. */
const LONG_SIDE = 640;
const SHORT_SIDE = 480;
const JPEG_QUALITY = 0.85;

export type CameraProblem = 'blocked' | 'missing' | 'busy';

export class CameraError extends Error {
  constructor(
    readonly problem: CameraProblem,
    cause?: unknown,
  ) {
    super(`camera ${problem}`, { cause });
  }
}

export async function openCamera(video: HTMLVideoElement): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) {
    // No API at all: an insecure (non-HTTPS) origin or a browser without camera support.
    throw new CameraError('missing');
  }
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: 'user', width: { ideal: 1280 }, height: { ideal: 720 } },
    });
  } catch (e) {
    const name = e instanceof DOMException ? e.name : '';
    if (name === 'NotAllowedError' || name === 'SecurityError') throw new CameraError('blocked', e);
    if (name === 'NotReadableError' || name === 'AbortError') throw new CameraError('busy', e);
    throw new CameraError('missing', e);
  }
  video.srcObject = stream;
  await video.play().catch(() => undefined);
  if (video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA || video.videoWidth === 0) {
    await new Promise<void>((resolve) => {
      const done = () => resolve();
      video.addEventListener('loadeddata', done, { once: true });
      setTimeout(done, 5000);
    });
  }
  return stream;
}

export function closeCamera(video: HTMLVideoElement, stream: MediaStream | undefined): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
  video.srcObject = null;
}

/** Draws `source` centre-cropped to the output aspect ratio and encodes it as JPEG. */
function encode(source: CanvasImageSource, width: number, height: number, fit: 'cover' | 'contain'): string {
  const portrait = height > width;
  let outW = portrait ? SHORT_SIDE : LONG_SIDE;
  let outH = portrait ? LONG_SIDE : SHORT_SIDE;
  let sx = 0;
  let sy = 0;
  let sw = width;
  let sh = height;
  if (fit === 'cover') {
    const target = outW / outH;
    if (width / height > target) {
      sw = Math.round(height * target);
      sx = Math.round((width - sw) / 2);
    } else {
      sh = Math.round(width / target);
      sy = Math.round((height - sh) / 2);
    }
  } else {
    // A photo file is never cropped (the face may be anywhere); it is only scaled down to fit.
    const scale = Math.min(1, outW / width, outH / height);
    outW = Math.max(1, Math.round(width * scale));
    outH = Math.max(1, Math.round(height * scale));
  }
  const canvas = document.createElement('canvas');
  canvas.width = outW;
  canvas.height = outH;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2d canvas');
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(source, sx, sy, sw, sh, 0, 0, outW, outH);
  return canvas.toDataURL('image/jpeg', JPEG_QUALITY);
}

export function captureFrame(video: HTMLVideoElement): string {
  return encode(video, video.videoWidth, video.videoHeight, 'cover');
}

/** A chosen or freshly taken photo, EXIF orientation applied, scaled to fit 640x480 (or 480x640). */
export async function photoFromFile(file: File): Promise<string> {
  let bitmap: ImageBitmap | undefined;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    // Some browsers decode more formats in <img> than in createImageBitmap (older Safari).
    return photoFromImageElement(file);
  }
  try {
    return encode(bitmap, bitmap.width, bitmap.height, 'contain');
  } finally {
    bitmap.close();
  }
}

async function photoFromImageElement(file: File): Promise<string> {
  const url = URL.createObjectURL(file);
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    return encode(img, img.naturalWidth, img.naturalHeight, 'contain');
  } finally {
    URL.revokeObjectURL(url);
  }
}

/**
 * One downscaled frame of an active challenge: 320 px on the long side, JPEG quality 0.75 (15-25 kB),
 * unmirrored like the photo, so the server sees the head turn the way the camera does.
 */
export function captureSmallFrame(video: HTMLVideoElement, canvas: HTMLCanvasElement): string {
  const { videoWidth: w, videoHeight: h } = video;
  const scale = 320 / Math.max(w, h);
  canvas.width = Math.round(w * scale);
  canvas.height = Math.round(h * scale);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2d canvas');
  ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL('image/jpeg', 0.75);
}

/** Samples the frame at a tiny size for the live hints. */
export function sampleFrame(
  video: HTMLVideoElement,
  ctx: CanvasRenderingContext2D,
): { data: Uint8ClampedArray; width: number; height: number } | undefined {
  const { width, height } = ctx.canvas;
  if (video.videoWidth === 0) return undefined;
  ctx.drawImage(video, 0, 0, width, height);
  return { data: ctx.getImageData(0, 0, width, height).data, width, height };
}
