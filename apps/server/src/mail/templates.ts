/**
 * The emails, in English and Spanish: a plain-text part that reads well on its own and a small HTML
 * part (inline styles only, no images or remote content).
 */
import escapeHtml from 'escape-html';

export type Language = 'en' | 'es';

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const STRINGS = {
  en: {
    linkSubject: 'Verify your identity',
    linkIntro: 'To continue, confirm it is you by taking a photo of your face on this page:',
    linkButton: 'Verify my identity',
    linkUntil: (when: string) => `The link works once, until ${when} (UTC).`,
    codeSubject: 'Your verification code',
    codeIntro: 'Enter this code on the verification page to finish:',
    codeUntil: (minutes: number) =>
      `It expires in ${minutes} minute${minutes === 1 ? '' : 's'} and works once.`,
    ignore: 'If you did not ask for this, ignore this email. Never share the link or the code.',
  },
  es: {
    linkSubject: 'Verifica tu identidad',
    linkIntro: 'Para continuar, confirma que eres tú tomándote una foto de la cara en esta página:',
    linkButton: 'Verificar mi identidad',
    linkUntil: (when: string) => `El enlace sirve una sola vez, hasta el ${when} (UTC).`,
    codeSubject: 'Tu código de verificación',
    codeIntro: 'Escribe este código en la página de verificación para terminar:',
    codeUntil: (minutes: number) =>
      `Caduca en ${minutes} minuto${minutes === 1 ? '' : 's'} y sirve una sola vez.`,
    ignore: 'Si no lo pediste, ignora este correo. No compartas nunca el enlace ni el código.',
  },
} as const;

/** `2024-09-13 17:26` in UTC: unambiguous in both languages. */
const when = (iso: string) => iso.slice(0, 16).replace('T', ' ');

function page(lang: Language, title: string, body: string): string {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body style="margin:0;padding:24px;font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#1b1f24;line-height:1.5">
<div style="max-width:32rem;margin:0 auto">${body}</div></body></html>`;
}

export function linkMail(lang: Language, url: string, expiresAt: string): RenderedMail {
  const t = STRINGS[lang];
  return {
    subject: t.linkSubject,
    text: `${t.linkIntro}\n\n${url}\n\n${t.linkUntil(when(expiresAt))}\n\n${t.ignore}\n`,
    html: page(
      lang,
      t.linkSubject,
      `<h1 style="font-size:1.375rem">${escapeHtml(t.linkSubject)}</h1>
<p>${escapeHtml(t.linkIntro)}</p>
<p><a href="${escapeHtml(url)}" style="display:inline-block;padding:12px 20px;background:#1d4ed8;color:#fff;border-radius:8px;text-decoration:none;font-weight:600">${escapeHtml(t.linkButton)}</a></p>
<p style="word-break:break-all;font-size:0.875rem;color:#4b5563">${escapeHtml(url)}</p>
<p>${escapeHtml(t.linkUntil(when(expiresAt)))}</p>
<p style="font-size:0.875rem;color:#4b5563">${escapeHtml(t.ignore)}</p>`,
    ),
  };
}

export function codeMail(lang: Language, code: string, ttlSeconds: number): RenderedMail {
  const t = STRINGS[lang];
  const minutes = Math.max(1, Math.round(ttlSeconds / 60));
  return {
    subject: t.codeSubject,
    text: `${t.codeIntro}\n\n    ${code}\n\n${t.codeUntil(minutes)}\n\n${t.ignore}\n`,
    html: page(
      lang,
      t.codeSubject,
      `<h1 style="font-size:1.375rem">${escapeHtml(t.codeSubject)}</h1>
<p>${escapeHtml(t.codeIntro)}</p>
<p style="font-size:2rem;font-weight:700;letter-spacing:0.3em;font-family:ui-monospace,Menlo,Consolas,monospace">${escapeHtml(code)}</p>
<p>${escapeHtml(t.codeUntil(minutes))}</p>
<p style="font-size:0.875rem;color:#4b5563">${escapeHtml(t.ignore)}</p>`,
    ),
  };
}
