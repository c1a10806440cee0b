// Mounts Scalar's API reference with nothing that reaches another host: no default fonts, no
// telemetry, no agent or MCP features, no developer tools, external URLs pointed at this site.
// `?server=<url>` puts another server first in the list (used by the browser tests and handy for a
// mock on another port); the others are the spec's own servers.
(() => {
  const base = JSON.parse(document.getElementById('reference-config').textContent);
  const servers = [...base.servers];
  const chosen = new URLSearchParams(window.location.search).get('server');
  if (chosen && /^https?:\/\/[^\s]+$/.test(chosen)) {
    servers.unshift({ url: chosen.replace(/\/$/, ''), description: 'Chosen with ?server=' });
  }
  const here = window.location.origin;
  window.Scalar.createApiReference('#reference', {
    url: new URL(base.url, window.location.href).href,
    servers,
    withDefaultFonts: false,
    telemetry: false,
    agent: { disabled: true },
    mcp: { disabled: true },
    showDeveloperTools: 'never',
    hideClientButton: false,
    documentDownloadType: 'both',
    defaultOpenAllTags: true,
    defaultHttpClient: { targetKey: 'shell', clientKey: 'curl' },
    externalUrls: { dashboardUrl: here, registryUrl: here, proxyUrl: here, apiBaseUrl: here },
    customCss: '',
  });
})();
