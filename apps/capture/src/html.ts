/** The page's markup, rendered by the server in the chosen language (no inline script or style: strict CSP). */
import escapeHtml from 'escape-html';
import type { Language, MessageKey, Messages } from './messages/index.js';

export interface PageInput {
  lang: Language;
  messages: Messages;
  scriptHref: string;
  styleHref: string;
  /** Origin (and optional path) of the API, empty for same origin. */
  apiBaseUrl: string;
}

export function renderPage({ lang, messages: m, scriptHref, styleHref, apiBaseUrl }: PageInput): string {
  // data-t marks text the script re-renders when it settles on another language than the server did.
  const t = (key: MessageKey) => `data-t="${key}">${escapeHtml(m[key])}`;
  const oval = 'M60 185a90 125 0 1 0 180 0a90 125 0 1 0-180 0z';
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<meta name="faceproof-api" content="${escapeHtml(apiBaseUrl)}">
<title ${t('pageTitle')}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${escapeHtml(styleHref)}">
<script defer src="${escapeHtml(scriptHref)}"></script>
</head>
<body>
<main id="app">
<section id="s-intro" class="screen" aria-labelledby="intro-title">
<svg class="logo" viewBox="0 0 48 48" aria-hidden="true" focusable="false"><ellipse cx="24" cy="24" rx="13" ry="17"/><path d="M4 14V6a2 2 0 0 1 2-2h8M34 4h8a2 2 0 0 1 2 2v8M44 34v8a2 2 0 0 1-2 2h-8M14 44H6a2 2 0 0 1-2-2v-8"/></svg>
<h1 id="intro-title" tabindex="-1" ${t('introTitle')}</h1>
<p id="intro-body" ${t('introBody')}</p>
<ul class="tips">
<li ${t('tipLight')}</li>
<li ${t('tipClear')}</li>
<li ${t('tipAlone')}</li>
</ul>
<div class="actions">
<button type="button" class="primary" id="btn-start" ${t('startCamera')}</button>
<button type="button" class="secondary" data-action="file" ${t('usePhoto')}</button>
</div>
<p class="fine" ${t('privacy')}</p>
</section>
<section id="s-camera" class="screen" aria-labelledby="camera-title" hidden>
<h1 id="camera-title" class="visually-hidden" tabindex="-1" ${t('cameraTitle')}</h1>
<div class="stage">
<video id="video" playsinline muted autoplay disablepictureinpicture data-t-label="cameraLabel" aria-label="${escapeHtml(m.cameraLabel)}"></video>
<svg class="guide" viewBox="0 0 300 400" preserveAspectRatio="xMidYMid slice" aria-hidden="true" focusable="false"><path class="mask" fill-rule="evenodd" d="M-300-200h900v800h-900z${oval}"/><path id="oval" class="oval" d="${oval}"/></svg>
<div id="stage-arrow" class="stage-arrow" aria-hidden="true"></div>
</div>
<p id="hint" class="hint" role="status" aria-live="polite" ${t('hintStarting')}</p>
<div id="challenge" class="challenge" hidden>
<p id="prompt" class="prompt" aria-live="assertive" aria-atomic="true"><span id="prompt-arrow" class="arrow" aria-hidden="true"></span><span id="prompt-text" ${t('activeReady')}</span></p>
<progress id="progress" max="100" value="0" data-t-label="activeTitle" aria-label="${escapeHtml(m.activeTitle)}"></progress>
<ol id="steps" class="steps" data-t-label="activeTitle" aria-label="${escapeHtml(m.activeTitle)}"></ol>
</div>
<div class="actions">
<button type="button" class="primary" id="btn-capture" disabled ${t('capture')}</button>
<button type="button" class="secondary" data-action="file" ${t('usePhoto')}</button>
</div>
</section>
<section id="s-checking" class="screen" aria-labelledby="checking-title" hidden>
<img id="preview" class="preview" data-t-alt="capturedAlt" alt="${escapeHtml(m.capturedAlt)}">
<p class="checking"><span class="spinner" aria-hidden="true"></span><span id="checking-title" ${t('checking')}</span></p>
</section>
<section id="s-code" class="screen" aria-labelledby="code-title" hidden>
<h1 id="code-title" tabindex="-1" ${t('codeTitle')}</h1>
<p ${t('codeBody')}</p>
<form id="code-form" class="code-form" novalidate>
<label for="code" ${t('codeLabel')}</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="12" spellcheck="false" aria-describedby="code-help code-error code-attempts">
<p id="code-help" class="fine" ${t('codeHelp')}</p>
<p id="code-error" class="code-error" role="alert" hidden></p>
<p id="code-attempts" class="attempts" hidden></p>
<div class="actions">
<button type="submit" class="primary" id="btn-code" ${t('codeSubmit')}</button>
</div>
</form>
</section>
<section id="s-result" class="screen" aria-labelledby="result-title" hidden>
<div id="result-icon" class="icon" aria-hidden="true"></div>
<h1 id="result-title" tabindex="-1"></h1>
<p id="result-body"></p>
<p id="result-reason" hidden></p>
<ol id="result-steps" hidden></ol>
<p id="result-attempts" class="attempts" hidden></p>
<div class="actions">
<button type="button" class="primary" id="btn-retry" hidden></button>
<button type="button" class="secondary" id="btn-camera" hidden ${t('tryCameraAgain')}</button>
<button type="button" class="secondary" id="btn-file" data-action="file" hidden ${t('usePhoto')}</button>
</div>
</section>
<div id="status" class="visually-hidden" role="status" aria-live="polite" aria-atomic="true"></div>
<input id="file" type="file" accept="image/*" capture="user" class="visually-hidden" tabindex="-1" aria-hidden="true">
<noscript><p ${t('noscript')}</p></noscript>
</main>
</body>
</html>
`;
}
