/*
 * The "Save to VIVIM" bookmarklet: a `javascript:` link the user drags to the bookmarks bar. Clicked
 * on a provider's conversation page, it posts the page (its URL and rendered HTML) to this VIVIM
 * server with a capture-only API key, then shows a small overlay that follows the capture job.
 *
 * The code below runs on the provider's page, not in the app: it is kept as readable source text
 * (plain modern JavaScript, no references outside itself) and compacted by safe means only —
 * comment lines and indentation are dropped, line breaks stay (so no statement depends on a
 * minifier), and the result is URL-encoded. Nothing here needs a build step.
 */

/** The server refuses pages above this size (HTTP 413); the bookmarklet says so before sending. */
export const MAX_PAGE_BYTES = 20 * 1024 * 1024;

// Called as `(SOURCE)(server, key)`. Keep string literals in single quotes and no backticks.
const SOURCE = `(server, key) => {
  // One overlay at a time: a second click replaces the first.
  const ID = 'vivim-capture-overlay';
  const old = document.getElementById(ID);
  if (old) old.remove();
  let stopped = false;
  const box = document.createElement('div');
  box.id = ID;
  box.setAttribute('role', 'status');
  box.setAttribute('aria-live', 'polite');
  box.style.cssText = 'all:initial;position:fixed;z-index:2147483647;right:16px;bottom:16px;max-width:340px;padding:12px 38px 12px 14px;border-radius:10px;background:#1e1b4b;color:#f9fafb;font:14px/1.45 system-ui,sans-serif;box-shadow:0 8px 28px rgba(0,0,0,.35)';
  const text = document.createElement('span');
  text.style.cssText = 'all:unset;display:block';
  const close = document.createElement('button');
  close.type = 'button';
  close.textContent = '×';
  close.setAttribute('aria-label', 'Close the VIVIM message');
  close.style.cssText = 'all:unset;position:absolute;top:6px;right:10px;cursor:pointer;font:20px/1 system-ui,sans-serif;color:#c7d2fe';
  close.onclick = () => { stopped = true; box.remove(); };
  box.append(text, close);
  (document.body || document.documentElement).append(box);

  // Shows a message, optionally followed by a link; the box is aria-busy until the final one.
  const say = (message, href, label, busy) => {
    text.textContent = message;
    box.setAttribute('aria-busy', busy ? 'true' : 'false');
    if (href) {
      const a = document.createElement('a');
      a.href = href;
      a.target = '_blank';
      a.rel = 'noopener';
      a.textContent = label;
      a.style.cssText = 'all:unset;color:#a5b4fc;text-decoration:underline;cursor:pointer';
      text.append(' ', a);
    }
  };
  const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // A page whose Content-Security-Policy forbids connecting to VIVIM makes fetch fail like a
  // network error; the violation event tells the two apart.
  let blocked = false;
  document.addEventListener('securitypolicyviolation', (event) => {
    if (String(event.blockedURI || '').indexOf(server) === 0) blocked = true;
  });
  const unreachable = async () => {
    await pause(100);
    return blocked
      ? 'This site blocks connections to VIVIM (its security policy). Use the VIVIM browser extension here.'
      : 'VIVIM at ' + server + ' is unreachable.';
  };

  // fetch with the capture key and never with cookies: [status, JSON body or {}].
  const call = async (path, body) => {
    const headers = { authorization: 'Bearer ' + key };
    if (body) headers['content-type'] = 'application/json';
    const response = await fetch(server + path, { method: body ? 'POST' : 'GET', credentials: 'omit', headers, body });
    const data = await response.json().catch(() => null);
    return [response.status, data || {}];
  };

  // Errors are {message, data: {vivimCode}} (REST) or {error: {code, message}} (the HTTP layer).
  const reason = (status, data) => {
    const code = (data.data && data.data.vivimCode) || (data.error && data.error.code) || data.code;
    const message = data.message || (data.error && data.error.message) || 'HTTP ' + status;
    if (status === 400 && (code === 'UNSUPPORTED_PROVIDER' || code === 'INVALID_URL')) return 'VIVIM cannot save this page: open a conversation (or its share link) on ChatGPT, Claude, Gemini, Grok, DeepSeek, Kimi, Qwen, Z.ai, Mistral or Perplexity, then click Save to VIVIM.';
    if (status === 401) return 'VIVIM rejected the capture key (revoked or mistyped). Create a new key in VIVIM and drag the new bookmarklet.';
    if (status === 403) return 'This key may not capture pages. Create a capture key in VIVIM and drag the new bookmarklet.';
    if (status === 413) return 'This page is too large to save (over 20 MB).';
    if (status === 429) return 'Too many captures at once: wait a minute and try again.';
    return 'VIVIM could not save this page: ' + message;
  };

  const run = async () => {
    say('Sending this page to VIVIM…', '', '', true);
    const html = document.documentElement.outerHTML;
    if (new Blob([html]).size > MAX_PAGE_BYTES) return say(reason(413, {}));
    let status;
    let data;
    try {
      [status, data] = await call('/api/v1/capture', JSON.stringify({ url: location.href, html }));
    } catch {
      return say(await unreachable());
    }
    if (status !== 200 || !data.jobId) return say(reason(status, data));
    // Follow the job once a second (for up to ten minutes) until it is done or failed.
    for (let tick = 0; tick < 600 && !stopped; tick++) {
      await pause(1000);
      let job;
      try {
        [status, job] = await call('/api/v1/capture/' + encodeURIComponent(data.jobId));
      } catch {
        return say('Sent to VIVIM, but this page cannot follow the capture.', server, 'Open VIVIM');
      }
      if (status !== 200) return say(reason(status, job));
      if (job.state === 'done') {
        const count = job.messages || 0;
        return say('Saved ' + count + (count === 1 ? ' message.' : ' messages.'), server + '/conversations/' + encodeURIComponent(job.conversationId), 'Open in VIVIM');
      }
      if (job.state === 'failed') return say('VIVIM could not save this page: ' + ((job.error && job.error.message) || 'the capture failed.'));
      say('Saving to VIVIM… ' + (job.step || job.state) + (typeof job.percent === 'number' ? ' ' + Math.round(job.percent) + '%' : ''), '', '', true);
    }
    if (!stopped) say('VIVIM is still working on this page: check it there later.', server, 'Open VIVIM');
  };
  run().catch((error) => say('VIVIM: ' + (error && error.message ? error.message : error)));
}`;

/** The source compacted: comment lines and indentation dropped, line breaks kept. */
const COMPACT = SOURCE.replace('MAX_PAGE_BYTES', String(MAX_PAGE_BYTES))
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('//'))
  .join('\n');

/** The JavaScript a click runs: the compacted function called with the server's origin and the key. */
export function bookmarkletCode(server: string, key: string): string {
  // `void`: a javascript: URL whose code yields a value replaces the page with that value.
  return `void (${COMPACT})(${JSON.stringify(server.replace(/\/+$/, ''))}, ${JSON.stringify(key)});`;
}

/** The bookmarklet's `javascript:` URL for `server` (an origin such as `https://vivim.example`) and a capture key. */
export function bookmarkletHref(server: string, key: string): string {
  return `javascript:${encodeURIComponent(bookmarkletCode(server, key))}`;
}
