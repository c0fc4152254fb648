// The options page: the VIVIM server's address and the capture key, and a connection test.
import { canReach, loadSettings, normalizeServer, originPattern, saveSettings } from './settings.js';

const form = document.getElementById('form');
const serverInput = document.getElementById('server');
const keyInput = document.getElementById('key');
const testButton = document.getElementById('test');
const message = document.getElementById('message');

/** Shows `text` in the status line; `kind` is '', 'ok' or 'error'. */
function say(text, kind = '') {
  message.textContent = text;
  message.className = `message ${kind}`;
}

/**
 * The server origin from the form, after making sure the extension may reach it: localhost is
 * granted by the manifest; any other server is asked for (so this must run first in a click handler).
 */
async function reachableServer() {
  const server = normalizeServer(serverInput.value);
  if (!server) {
    say('Enter the address of your VIVIM server, such as https://vivim.example.com.', 'error');
    serverInput.focus();
    return null;
  }
  serverInput.value = server;
  // Ask before any other await: Chrome honours the request only while the click's user gesture
  // lasts. Already granted (always so for localhost), it resolves true without a prompt.
  const granted = await chrome.permissions.request({ origins: [originPattern(server)] }).catch(() => canReach(server));
  if (!granted) {
    say(`The extension needs your permission to send pages to ${server}. Click again and choose Allow.`, 'error');
    return null;
  }
  return server;
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const server = await reachableServer();
  if (!server) return;
  const key = keyInput.value.trim();
  if (!key) {
    say('Paste the capture key you created in VIVIM.', 'error');
    keyInput.focus();
    return;
  }
  await saveSettings(server, key);
  say('Saved. Use Test connection to check the server and the key.', 'ok');
});

testButton.addEventListener('click', async () => {
  const server = await reachableServer();
  if (!server) return;
  say(`Contacting ${server}…`);
  let health;
  try {
    const response = await fetch(`${server}/health`, { credentials: 'omit', signal: AbortSignal.timeout(8000) });
    health = response.ok ? await response.json().catch(() => null) : null;
    if (!health || health.status !== 'ok') {
      say(`${server} answered (HTTP ${response.status}), but not as a VIVIM server. Check the address.`, 'error');
      return;
    }
  } catch {
    say(`VIVIM at ${server} is unreachable. Check the address and that the server is running.`, 'error');
    return;
  }
  const version = health.version ? ` ${health.version}` : '';
  const key = keyInput.value.trim();
  if (!key) {
    say(`Connected to VIVIM${version} at ${server}. Now paste your capture key.`, 'ok');
    return;
  }
  // Asking for job 0, which never exists, checks the key without saving anything:
  // 401 = unknown or revoked key, 403 = a key without the capture scope, 404 = accepted.
  try {
    const response = await fetch(`${server}/api/v1/capture/0`, { credentials: 'omit', headers: { authorization: `Bearer ${key}` } });
    if (response.status === 401) say(`Connected to VIVIM${version} at ${server}, but it rejected the capture key. Create a new one in VIVIM.`, 'error');
    else if (response.status === 403) say(`Connected to VIVIM${version} at ${server}, but this key may not capture pages. Create a capture key in VIVIM.`, 'error');
    else if (response.status === 404) say(`Connected to VIVIM${version} at ${server}. The capture key works.`, 'ok');
    else say(`Connected to VIVIM${version} at ${server}, but checking the key failed (HTTP ${response.status}).`, 'error');
  } catch {
    say(`VIVIM at ${server} is unreachable. Check the address and that the server is running.`, 'error');
  }
});

// Fill the form with what is saved.
const saved = await loadSettings();
serverInput.value = saved.server;
keyInput.value = saved.key;
