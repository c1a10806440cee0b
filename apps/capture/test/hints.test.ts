import { describe, expect, it } from 'vitest';
import { hintFor, measureLight } from '../src/web/hints.js';

function frame(width: number, height: number, pixel: (x: number, y: number) => number): Uint8ClampedArray {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = pixel(x, y);
      data.set([v, v, v, 255], (y * width + x) * 4);
    }
  }
  return data;
}

describe('live hints', () => {
  const textured = frame(40, 30, (x, y) => ((x + y) % 2 ? 90 : 170));

  it('measures the brightness and contrast of the middle of the frame', () => {
    const light = measureLight(textured, 40, 30);
    expect(light.mean).toBeCloseTo(130 / 255, 2);
    expect(light.spread).toBeCloseTo(40 / 255, 2);
    // The border does not count: a bright window behind the user is not the face.
    const bordered = frame(40, 30, (x, y) => (x < 10 || x >= 30 || y < 5 || y >= 25 ? 255 : 20));
    expect(measureLight(bordered, 40, 30).mean).toBeCloseTo(20 / 255, 2);
  });

  it('says too dark, too bright, nothing in view, or place your face', () => {
    expect(
      hintFor(
        measureLight(
          frame(40, 30, (x) => 10 + (x % 2) * 30),
          40,
          30,
        ),
        undefined,
        640,
      ),
    ).toBe('hintDark');
    expect(
      hintFor(
        measureLight(
          frame(40, 30, (x) => 240 + (x % 2) * 15),
          40,
          30,
        ),
        undefined,
        640,
      ),
    ).toBe('hintBright');
    expect(
      hintFor(
        measureLight(
          frame(40, 30, () => 128),
          40,
          30,
        ),
        undefined,
        640,
      ),
    ).toBe('hintNoFace');
    expect(hintFor(measureLight(textured, 40, 30), undefined, 640)).toBe('hintPlaceFace');
  });

  it('uses the detected faces when the browser has a face detector', () => {
    const light = measureLight(textured, 40, 30);
    const box = (x: number, width: number) => ({ x, y: 100, width, height: width * 1.3 });
    expect(hintFor(light, [], 640)).toBe('hintNoFace');
    expect(hintFor(light, [box(100, 200), box(400, 150)], 640)).toBe('hintMultiple');
    expect(hintFor(light, [box(290, 60)], 640)).toBe('hintCloser');
    expect(hintFor(light, [box(50, 540)], 640)).toBe('hintFarther');
    expect(hintFor(light, [box(0, 200)], 640)).toBe('hintCenter');
    expect(hintFor(light, [box(220, 200)], 640)).toBe('hintGood');
  });
});
