import { type Browser, chromium, type LaunchOptions } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); playwright-core never downloads a browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// Without the background-networking flags Chromium keeps trying to reach Google's hosts, which this
// machine cannot, and each refused connection slows the page down.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface LaunchChromiumOptions extends Omit<LaunchOptions, 'executablePath'> {
  /** A .y4m file the page's camera plays, permission granted without a prompt. */
  fakeCamera?: string;
}

export function launchChromium({
  fakeCamera,
  args = [],
  ...options
}: LaunchChromiumOptions = {}): Promise<Browser> {
  const camera = fakeCamera
    ? [
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
        `--use-file-for-fake-video-capture=${fakeCamera}`,
      ]
    : [];
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    ...options,
    args: [...ARGS, ...camera, ...args],
  });
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/;

/** Whether a URL a page asked for stays on this machine (data:, blob: and about: never leave it). */
export function isLocal(url: string): boolean {
  const u = new URL(url);
  if (u.protocol === 'data:' || u.protocol === 'blob:' || u.protocol === 'about:') return true;
  return LOOPBACK.test(u.hostname);
}
