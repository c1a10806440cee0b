import { format, type Language, MESSAGES, type MessageKey, pickLanguage } from '../messages/index.js';
import {
  type ChallengeOutcome,
  type CodeOutcome,
  interpret,
  interpretChallenge,
  interpretCode,
  type Outcome,
  STEP_PROMPT,
  type StepName,
} from '../outcome.js';
import { confirmCode, requestChallenge, type ValidateBody, validate } from './api.js';
import {
  CameraError,
  type CameraProblem,
  captureFrame,
  captureSmallFrame,
  closeCamera,
  openCamera,
  photoFromFile,
  sampleFrame,
} from './camera.js';
import { browserFaceDetector, hintFor, measureLight } from './hints.js';
import { forgetToken, isAwaitingCode, rememberAwaitingCode, takeToken } from './token.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const params = new URLSearchParams(location.search);
const lang: Language = pickLanguage(
  params.get('lang'),
  navigator.languages?.length ? navigator.languages : [navigator.language],
);
const m = MESSAGES[lang];
const validationId = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() ?? '');
const apiBase = document.querySelector<HTMLMetaElement>('meta[name="faceproof-api"]')?.content ?? '';
let token = takeToken(validationId);

const screens = ['s-intro', 's-camera', 's-checking', 's-code', 's-result'] as const;
type Screen = (typeof screens)[number];
const video = $<HTMLVideoElement>('video');
const hint = $<HTMLParagraphElement>('hint');
const status = $<HTMLDivElement>('status');
const fileInput = $<HTMLInputElement>('file');
const captureButton = $<HTMLButtonElement>('btn-capture');
const retryButton = $<HTMLButtonElement>('btn-retry');
const codeInput = $<HTMLInputElement>('code');
const codeButton = $<HTMLButtonElement>('btn-code');

let stream: MediaStream | undefined;
let hintTimer: ReturnType<typeof setTimeout> | undefined;
let waitTimer: ReturnType<typeof setInterval> | undefined;
let lastImage: string | undefined;
let lastMirrored = false;
/** The last request sent, for a resend after a 503 (which leaves the challenge open). */
let lastPayload: ValidateBody | undefined;
let busy = false;
/** The flow's liveness mode, once the server said it (Create liveness challenge). */
let mode: 'unknown' | 'passive' | 'active' = 'unknown';
type ActiveChallenge = Extract<ChallengeOutcome, { kind: 'active' }>;
/** The challenge issued for the next attempt, not shown to the user until they start. */
let pending: ActiveChallenge | undefined;
/** While the challenge is filmed, the light hints stay quiet so the prompts are heard. */
let filming = false;

/**
 * Timing of the challenge: a moment to look at the camera, then one step every 1.6 s (a turn of
 * 20-30° takes people about a second, and the server wants each held for two frames).
 */
const GET_READY_MS = 1500;
const STEP_MS = 1600;
/** A challenge with less life left than this is replaced before the user starts. */
const FRESH_MS = 20_000;
/** What the preview shows: it is mirrored, so turning to one's left moves the face to the left. */
const ARROW: Readonly<Record<StepName, string>> = {
  turn_left: '←',
  turn_right: '→',
  look_up: '↑',
  look_down: '↓',
  move_closer: '⤢',
};

/** The server rendered its guess of the language; the page's own choice wins (it knows `navigator.language`). */
function localize(): void {
  if (document.documentElement.lang === lang) return;
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll<HTMLElement>('[data-t]'))
    el.textContent = m[el.dataset.t as MessageKey];
  for (const el of document.querySelectorAll<HTMLElement>('[data-t-label]')) {
    el.setAttribute('aria-label', m[el.dataset.tLabel as MessageKey]);
  }
  for (const el of document.querySelectorAll<HTMLImageElement>('[data-t-alt]'))
    el.alt = m[el.dataset.tAlt as MessageKey];
}

function show(screen: Screen, focus?: HTMLElement): void {
  for (const id of screens) $(id).hidden = id !== screen;
  // Move focus to the new screen so keyboard and screen-reader users follow the change.
  (focus ?? $(screen).querySelector<HTMLElement>('h1'))?.focus();
}

function announce(text: string): void {
  status.textContent = text;
}

function stopCamera(): void {
  clearTimeout(hintTimer);
  hintTimer = undefined;
  closeCamera(video, stream);
  stream = undefined;
}

function startHints(): void {
  const canvas = document.createElement('canvas');
  canvas.width = 40;
  canvas.height = 30;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const detect = browserFaceDetector();
  const oval = $('oval');
  let shown: MessageKey | undefined;
  let shownAt = 0;
  const tick = async () => {
    if (!stream || !ctx) return;
    const frame = sampleFrame(video, ctx);
    if (frame) {
      const faces = detect ? await detect(video) : undefined;
      const key = hintFor(measureLight(frame.data, frame.width, frame.height), faces, video.videoWidth);
      // Changing the live region too often makes screen readers talk over themselves.
      if (!filming && key !== shown && performance.now() - shownAt > 1200) {
        shown = key;
        shownAt = performance.now();
        hint.textContent = m[key];
        hint.dataset.hint = key;
        oval.classList.toggle('ok', key === 'hintGood');
      }
    }
    if (stream) hintTimer = setTimeout(tick, 300);
  };
  void tick();
}

async function startCamera(): Promise<void> {
  if (busy) return;
  busy = true;
  hint.textContent = m.hintStarting;
  captureButton.disabled = true;
  show('s-camera');
  try {
    stopCamera();
    stream = await openCamera(video);
    $('challenge').hidden = mode !== 'active';
    if (mode === 'active') {
      prompt(m.activeReady);
      renderSteps(pending?.steps ?? [], -1);
    }
    captureButton.disabled = false;
    captureButton.focus();
    startHints();
  } catch (e) {
    stopCamera();
    cameraProblem(e instanceof CameraError ? e.problem : 'missing');
  } finally {
    busy = false;
  }
}

function cameraProblem(problem: CameraProblem): void {
  const texts: Record<CameraProblem, [MessageKey, MessageKey]> = {
    blocked: ['cameraBlockedTitle', 'cameraBlockedBody'],
    missing: ['noCameraTitle', 'noCameraBody'],
    busy: ['cameraBusyTitle', 'cameraBusyBody'],
  };
  const [title, body] = texts[problem];
  // An active flow films the user: a chosen photo cannot stand in, so there is no file fallback.
  const active = mode === 'active';
  renderResult({
    icon: 'camera',
    title: active && problem === 'missing' ? m.cameraNeededTitle : m[title],
    body: active ? `${m[body]} ${m.cameraNeededBody}` : m[body],
    steps:
      problem !== 'blocked'
        ? []
        : active
          ? [m.cameraBlockedStep1, m.cameraBlockedStep2]
          : [m.cameraBlockedStep1, m.cameraBlockedStep2, m.cameraBlockedStep3],
    camera: problem !== 'missing',
    file: true,
  });
}

interface ResultView {
  icon: 'ok' | 'error' | 'camera';
  title: string;
  body: string;
  reason?: string;
  steps?: string[];
  attempts?: string;
  retry?: { label: string; run: () => void; waitSeconds?: number };
  camera?: boolean;
  file?: boolean;
}

function renderResult(view: ResultView): void {
  clearInterval(waitTimer);
  $('result-icon').className = `icon icon-${view.icon}`;
  $('result-title').textContent = view.title;
  $('result-body').textContent = view.body;
  const reason = $('result-reason');
  reason.textContent = view.reason ?? '';
  reason.hidden = !view.reason;
  const steps = $('result-steps');
  steps.replaceChildren(
    ...(view.steps ?? []).map((s) => {
      const li = document.createElement('li');
      li.textContent = s;
      return li;
    }),
  );
  steps.hidden = !view.steps?.length;
  const attempts = $('result-attempts');
  attempts.textContent = view.attempts ?? '';
  attempts.hidden = !view.attempts;
  retryButton.hidden = !view.retry;
  retryButton.onclick = null;
  if (view.retry) {
    const { label, run, waitSeconds } = view.retry;
    retryButton.textContent = label;
    retryButton.onclick = run;
    if (waitSeconds && waitSeconds > 0) {
      let left = waitSeconds;
      retryButton.disabled = true;
      retryButton.textContent = format(m.retryIn, { n: left });
      waitTimer = setInterval(() => {
        left--;
        if (left > 0) {
          retryButton.textContent = format(m.retryIn, { n: left });
          return;
        }
        clearInterval(waitTimer);
        retryButton.disabled = false;
        retryButton.textContent = label;
      }, 1000);
    } else {
      retryButton.disabled = false;
    }
  }
  $('btn-camera').hidden = !view.camera;
  $('btn-file').hidden = !view.file || mode === 'active';
  show('s-result', $('result-title'));
}

function showOutcome(outcome: Outcome): void {
  if (outcome.kind === 'redirect') {
    forgetToken(validationId);
    announce(m.redirecting);
    // replace(): the back button must not lead to a used-up capture page.
    location.replace(outcome.url);
    return;
  }
  if (outcome.kind === 'success') {
    forgetToken(validationId);
    renderResult({ icon: 'ok', title: m.successTitle, body: m.successBody });
    return;
  }
  if (outcome.kind === 'code') {
    rememberAwaitingCode(validationId);
    showCodeScreen();
    return;
  }
  if (outcome.final) forgetToken(validationId);
  const left = outcome.attemptsRemaining;
  const view: ResultView = {
    icon: 'error',
    title: m[outcome.title],
    body: m[outcome.body],
  };
  if (outcome.reason) view.reason = m[outcome.reason];
  if (left !== undefined && !outcome.final) {
    view.attempts = left === 1 ? m.attemptsLeftOne : format(m.attemptsLeftMany, { n: left });
  }
  if (outcome.action === 'recapture') {
    view.retry = { label: m.retry, run: () => void startCamera() };
    view.file = true;
  } else if (outcome.action === 'resend' && lastPayload && lastImage) {
    const payload = lastPayload;
    const image = lastImage;
    view.retry = { label: m.retry, run: () => void sendPayload(payload, image, lastMirrored) };
    if (outcome.waitSeconds !== undefined) view.retry.waitSeconds = outcome.waitSeconds;
  }
  renderResult(view);
}

const send = (image: string, mirrored: boolean) => sendPayload({ image }, image, mirrored);

async function sendPayload(payload: ValidateBody, image: string, mirrored: boolean): Promise<void> {
  if (!token || busy) return;
  busy = true;
  lastPayload = payload;
  lastImage = image;
  lastMirrored = mirrored;
  const preview = $<HTMLImageElement>('preview');
  preview.src = image;
  // A camera photo is shown as the mirrored preview the user saw; a chosen photo as it is.
  preview.classList.toggle('mirrored', mirrored);
  show('s-checking', $('checking-title'));
  announce(m.checking);
  try {
    const answer = await validate(apiBase, token, payload);
    const outcome = interpret(answer.status, answer.body, answer.retryAfter);
    // A single photo sent before the page knew the flow's mode: the flow is active.
    if (outcome.kind === 'problem' && outcome.title === 'activeRequiredTitle') setMode('active');
    showOutcome(outcome);
  } finally {
    busy = false;
  }
}

function codeMessage(text: string | undefined, attempts?: string): void {
  const error = $('code-error');
  error.textContent = text ?? '';
  error.hidden = !text;
  const left = $('code-attempts');
  left.textContent = attempts ?? '';
  left.hidden = !attempts;
  codeInput.setAttribute('aria-invalid', text ? 'true' : 'false');
}

function showCodeScreen(): void {
  codeInput.value = '';
  codeMessage(undefined);
  show('s-code');
}

function showCodeOutcome(outcome: CodeOutcome): void {
  if (outcome.kind === 'redirect' || outcome.kind === 'success') {
    showOutcome(outcome);
    return;
  }
  if (outcome.kind === 'final') {
    forgetToken(validationId);
    renderResult({ icon: 'error', title: m[outcome.title], body: m[outcome.body] });
    return;
  }
  const left = outcome.attemptsRemaining;
  codeMessage(
    m[outcome.message],
    left === undefined ? undefined : left === 1 ? m.attemptsLeftOne : format(m.attemptsLeftMany, { n: left }),
  );
  if (outcome.waitSeconds) {
    codeButton.disabled = true;
    setTimeout(() => {
      codeButton.disabled = false;
    }, outcome.waitSeconds * 1000);
  }
  codeInput.select();
  codeInput.focus();
}

async function submitCode(event: Event): Promise<void> {
  event.preventDefault();
  if (!token || busy) return;
  // People paste codes with spaces or dashes ("482 913"): keep the digits.
  const code = codeInput.value.replace(/\D/g, '');
  if (code.length !== 6) {
    showCodeOutcome({ kind: 'retry', message: 'codeFormat' });
    return;
  }
  busy = true;
  codeButton.disabled = true;
  announce(m.codeChecking);
  try {
    const answer = await confirmCode(apiBase, token, code);
    codeButton.disabled = false;
    showCodeOutcome(interpretCode(answer.status, answer.body, answer.retryAfter));
  } finally {
    busy = false;
    if (!codeButton.disabled) announce('');
  }
}

function capture(): void {
  if (!stream || video.videoWidth === 0) return;
  if (mode === 'active') {
    void runChallenge();
    return;
  }
  const image = captureFrame(video);
  stopCamera();
  void send(image, true);
}

async function onFile(): Promise<void> {
  const file = fileInput.files?.[0];
  fileInput.value = '';
  if (!file) return;
  stopCamera();
  let image: string;
  try {
    image = await photoFromFile(file);
  } catch {
    renderResult({ icon: 'error', title: m.fileErrorTitle, body: m.fileErrorBody, camera: true, file: true });
    return;
  }
  await send(image, false);
}

function setMode(next: 'passive' | 'active'): void {
  mode = next;
  const active = next === 'active';
  for (const el of document.querySelectorAll<HTMLElement>('[data-action="file"]'))
    if (active) el.hidden = true;
  const intro = $('intro-body');
  intro.dataset.t = active ? 'introActiveBody' : 'introBody';
  intro.textContent = m[active ? 'introActiveBody' : 'introBody'];
  captureButton.dataset.t = active ? 'activeStart' : 'capture';
  captureButton.textContent = m[active ? 'activeStart' : 'capture'];
}

/** Asks the server for the flow's mode (and, when active, a challenge); false when a final screen was shown. */
async function learnMode(): Promise<ChallengeOutcome | undefined> {
  if (!token) return undefined;
  const answer = await requestChallenge(apiBase, token);
  const outcome = interpretChallenge(answer.status, answer.body, answer.retryAfter);
  if (outcome.kind === 'passive') setMode('passive');
  if (outcome.kind === 'active') {
    setMode('active');
    pending = outcome;
  }
  return outcome;
}

function prompt(text: string, step?: StepName): void {
  // The arrow on the preview is where the user looks; the one by the text is for a glance down.
  $('prompt-arrow').textContent = step ? ARROW[step] : '';
  $('stage-arrow').textContent = step ? ARROW[step] : '';
  $('prompt-text').textContent = text;
}

/** The list of steps: each says in words whether it is done, happening now or next. */
function renderSteps(steps: readonly StepName[], current: number): void {
  const list = $('steps');
  list.replaceChildren(
    ...steps.map((step, i) => {
      const li = document.createElement('li');
      const state = i < current ? 'done' : i === current ? 'now' : 'next';
      li.dataset.state = state;
      if (state === 'now') li.setAttribute('aria-current', 'step');
      const label = document.createElement('span');
      label.textContent = `${state === 'done' ? '✓ ' : state === 'now' ? '▶ ' : ''}${m[STEP_PROMPT[step]]}`;
      const tag = document.createElement('span');
      tag.className = 'state';
      tag.textContent = `(${m[state === 'done' ? 'activeStepDone' : state === 'now' ? 'activeStepNow' : 'activeStepNext']})`;
      li.append(label, tag);
      return li;
    }),
  );
}

const until = (at: number) => new Promise((r) => setTimeout(r, Math.max(0, at - performance.now())));

/**
 * Films the challenge: a still to search with, then `maxFrames` small frames spread over the steps,
 * each with its capture time, while the prompts (spoken through an assertive live region) move on
 * one step every STEP_MS. A challenge that expired meanwhile is not sent: the user gets a new one.
 */
async function runChallenge(): Promise<void> {
  if (!stream || busy || !token) return;
  busy = true;
  captureButton.disabled = true;
  let c = pending;
  pending = undefined;
  try {
    if (!c || c.expiresAt - Date.now() < FRESH_MS) {
      const answer = await requestChallenge(apiBase, token);
      const outcome = interpretChallenge(answer.status, answer.body, answer.retryAfter);
      if (outcome.kind !== 'active') {
        stopCamera();
        if (outcome.kind === 'passive') {
          setMode('passive');
          busy = false;
          await startCamera();
        } else showOutcome(outcome);
        return;
      }
      c = outcome;
    }
    filming = true;
    // The light hint would repeat itself under the prompts; it comes back with the camera.
    hint.hidden = true;
    renderSteps(c.steps, -1);
    prompt(m.activeGetReady);
    const progress = $<HTMLProgressElement>('progress');
    progress.value = 0;
    await until(performance.now() + GET_READY_MS);
    const still = captureFrame(video);
    const canvas = document.createElement('canvas');
    const frames: NonNullable<ValidateBody['frames']> = [];
    const length = c.steps.length * STEP_MS;
    const gap = length / (c.maxFrames - 1);
    const t0 = performance.now();
    let shown = -1;
    for (let i = 0; i < c.maxFrames; i++) {
      await until(t0 + i * gap);
      const step = Math.min(c.steps.length - 1, Math.floor((performance.now() - t0) / STEP_MS));
      if (step !== shown) {
        shown = step;
        const name = c.steps[step] as StepName;
        prompt(`${format(m.activeStepOf, { i: step + 1, n: c.steps.length })} ${m[STEP_PROMPT[name]]}`, name);
        renderSteps(c.steps, step);
      }
      progress.value = Math.round(((i + 1) / c.maxFrames) * 100);
      frames.push({ image: captureSmallFrame(video, canvas), capturedAtMs: performance.now() });
    }
    renderSteps(c.steps, c.steps.length);
    prompt(m.activeDoneFilming);
    filming = false;
    stopCamera();
    if (Date.now() >= c.expiresAt) {
      showOutcome({
        kind: 'problem',
        title: 'challengeTimeoutTitle',
        body: 'challengeTimeoutBody',
        action: 'recapture',
        final: false,
      });
      return;
    }
    busy = false;
    await sendPayload({ image: still, challengeId: c.id, frames }, still, true);
  } finally {
    filming = false;
    hint.hidden = false;
    busy = false;
    captureButton.disabled = false;
  }
}

function boot(): void {
  localize();
  if (!token) {
    renderResult({ icon: 'error', title: m.badLinkTitle, body: m.badLinkBody });
    return;
  }
  $('btn-start').addEventListener('click', () => void startCamera());
  $('btn-camera').addEventListener('click', () => void startCamera());
  captureButton.addEventListener('click', capture);
  for (const el of document.querySelectorAll<HTMLElement>('[data-action="file"]')) {
    el.addEventListener('click', () => fileInput.click());
  }
  fileInput.addEventListener('change', () => void onFile());
  $('code-form').addEventListener('submit', (e) => void submitCode(e));
  // Opening another link to this page in the same tab only changes the fragment: start over with its token.
  addEventListener('hashchange', () => {
    const next = takeToken(validationId);
    if (!next || next === token || busy) return;
    token = next;
    stopCamera();
    show('s-intro');
  });
  // Leaving the page (or hiding it on a phone) releases the camera.
  addEventListener('pagehide', stopCamera);
  document.addEventListener('visibilitychange', () => {
    if (document.hidden && stream) {
      stopCamera();
      show('s-intro');
    }
  });
  if (isAwaitingCode(validationId)) {
    document.documentElement.classList.add('ready');
    showCodeScreen();
    return;
  }
  // The mode decides the first screen (an active flow offers no file fallback); a session that can no
  // longer be used ends here. Without an answer (offline, busy) the page starts as it always did.
  void learnMode().then((outcome) => {
    if (outcome?.kind === 'problem' && outcome.final) showOutcome(outcome);
    document.documentElement.classList.add('ready');
  });
}

boot();
