// The toolbar popup: saves the conversation open in the current tab to VIVIM.
//
// The page is read where the user sees it: a function injected with chrome.scripting returns its
// URL and rendered HTML (which already holds what providers embed, such as ChatGPT's conversation
// data), and the popup posts both to the server with the capture key. Requests leave from the
// extension, which holds host permission for the server, so the provider page's CSP and CORS do
// not apply. The popup then follows the capture job once a second.
//
// Opened as a page (chrome-extension://<id>/popup.html?tabId=<n>) it saves that tab instead of the
// active one: the end-to-end tests use this, since a headless browser cannot open a real popup.
import { PROVIDER_NAMES, isSupportedPage } from './providers.js';
import { canReach, loadSettings } from './settings.js';

/** The server refuses larger pages (HTTP 413): say so without sending them. */
const MAX_PAGE_BYTES = 20 * 1024 * 1024;
const POLL_MS = 1000;
const MAX_POLLS = 600;

const saveButton = document.getElementById('save');
const progress = document.getElementById('progress');
const message = document.getElementById('message');
const pageLine = document.getElementById('page');

const UNSUPPORTED = `VIVIM cannot save this page. Open a conversation (or its share link) on ${PROVIDER_NAMES}, then try again.`;

/**
 * Shows `text` (and an optional link) in the status line; `kind` is 'busy' while the capture is
 * under way (the region is then aria-busy), '' for a final notice, 'ok' or 'error'.
 */
function say(text, kind = '', link) {
  message.textContent = text;
  message.className = `message ${kind}`;
  message.setAttribute('aria-busy', String(kind === 'busy'));
  if (link) {
    const a = document.createElement('a');
    a.href = link.href;
    a.target = '_blank';
    a.rel = 'noopener';
    a.textContent = link.label;
    message.append(' ', a);
  }
}

/** Shows the progress bar at `percent` (null: indeterminate), or hides it (undefined). */
function showProgress(percent) {
  progress.hidden = percent === undefined;
  if (percent === null) progress.removeAttribute('value');
  else if (percent !== undefined) progress.value = percent;
}

/** The tab to save: `?tabId=` when given, else the active tab of this window. */
async function targetTab() {
  const param = new URLSearchParams(location.search).get('tabId');
  if (param) return chrome.tabs.get(Number(param));
  const [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
  return tab;
}

/** The page's URL and rendered HTML, read inside the tab. */
async function readPage(tabId) {
  const [injection] = await chrome.scripting.executeScript({
    target: { tabId },
    func: () => ({ url: location.href, html: document.documentElement.outerHTML }),
  });
  if (!injection || !injection.result) throw new Error('the page returned nothing');
  return injection.result;
}

/** A request to VIVIM with the capture key, never with cookies: `{ status, body }` (body `{}` when not JSON). */
async function call(server, key, path, body) {
  const headers = { authorization: `Bearer ${key}`, accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(server + path, {
    method: body === undefined ? 'GET' : 'POST',
    credentials: 'omit',
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json().catch(() => null)) || {} };
}

/** A sentence for a refused request. REST errors: `{ message, data: { vivimCode } }`; the HTTP layer: `{ error: { code, message } }`. */
function explain(status, body) {
  const code = body.data?.vivimCode || body.error?.code || body.code;
  const detail = body.message || body.error?.message || `HTTP ${status}`;
  if (status === 400 && (code === 'UNSUPPORTED_PROVIDER' || code === 'INVALID_URL')) return UNSUPPORTED;
  if (status === 401) return 'VIVIM rejected the capture key (revoked or mistyped). Create a new key in VIVIM and enter it in the options.';
  if (status === 403) return 'This key may not capture pages. Create a capture key in VIVIM and enter it in the options.';
  if (status === 413) return 'This page is too large to save (over 20 MB).';
  if (status === 429) return 'Too many captures at once: wait a minute and try again.';
  return `VIVIM could not save this page: ${detail}`;
}

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Posts the page, then follows the job until it is done or failed. */
async function save(tab, server, key) {
  saveButton.disabled = true;
  showProgress(null);
  say('Reading the page…', 'busy');
  let page;
  try {
    page = await readPage(tab.id);
  } catch (error) {
    showProgress();
    saveButton.disabled = false;
    say(`Cannot read this page (${error.message}). Reload it and try again.`, 'error');
    return;
  }
  if (new Blob([page.html]).size > MAX_PAGE_BYTES) {
    showProgress();
    say(explain(413, {}), 'error');
    return;
  }

  say('Sending the page to VIVIM…', 'busy');
  let started;
  try {
    started = await call(server, key, '/api/v1/capture', { url: page.url, html: page.html });
  } catch {
    showProgress();
    saveButton.disabled = false;
    say(`VIVIM at ${server} is unreachable. Check that the server is running and its address in the options.`, 'error');
    return;
  }
  if (started.status !== 200 || !started.body.jobId) {
    showProgress();
    saveButton.disabled = started.status === 400 || started.status === 413;
    say(explain(started.status, started.body), 'error');
    return;
  }

  const jobPath = `/api/v1/capture/${encodeURIComponent(started.body.jobId)}`;
  for (let poll = 0; poll < MAX_POLLS; poll++) {
    await wait(POLL_MS);
    let job;
    try {
      job = await call(server, key, jobPath);
    } catch {
      say(`Lost contact with VIVIM at ${server}; the capture may still finish there.`, 'error', { href: server, label: 'Open VIVIM' });
      showProgress();
      return;
    }
    if (job.status !== 200) {
      showProgress();
      say(explain(job.status, job.body), 'error');
      return;
    }
    const { state, step, percent, messages, conversationId, error } = job.body;
    if (state === 'done') {
      showProgress(100);
      const count = messages ?? 0;
      say(`Saved ${count} ${count === 1 ? 'message' : 'messages'}.`, 'ok', { href: `${server}/conversations/${encodeURIComponent(conversationId)}`, label: 'Open in VIVIM' });
      return;
    }
    if (state === 'failed') {
      showProgress();
      saveButton.disabled = false;
      say(`VIVIM could not save this page: ${error?.message || 'the capture failed.'}`, 'error');
      return;
    }
    showProgress(typeof percent === 'number' ? percent : null);
    say(`Saving… ${step || state}`, 'busy');
  }
  showProgress();
  say('VIVIM is still working on it: check it later.', '', { href: server, label: 'Open VIVIM' });
}

async function main() {
  document.getElementById('options').addEventListener('click', () => chrome.runtime.openOptionsPage());
  const [tab, { server, key }] = await Promise.all([targetTab(), loadSettings()]);
  // The extension sees a tab's URL only on the providers' sites (host permissions) or after the
  // user opened the popup there (activeTab): an unknown URL is not a supported page.
  pageLine.textContent = tab?.url ? tab.url : '';
  if (!server || !key) {
    say('Enter your VIVIM server and capture key in the options first.', 'error');
    return;
  }
  if (!tab || !isSupportedPage(tab.url)) {
    say(UNSUPPORTED, 'error');
    return;
  }
  if (!(await canReach(server))) {
    say(`Allow the extension to reach ${server}: open the options and click Save.`, 'error');
    return;
  }
  saveButton.disabled = false;
  saveButton.addEventListener('click', () => save(tab, server, key));
}

main().catch((error) => say(`Something went wrong: ${error.message}`, 'error'));
