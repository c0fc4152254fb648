// The extension's service worker. Saving happens in the popup; this only opens the options page
// on first install so the user can enter their VIVIM server and capture key. (Manifest V3 also
// needs a worker for tools to find the extension's id.)

chrome.runtime.onInstalled.addListener(async ({ reason }) => {
  if (reason !== chrome.runtime.OnInstalledReason.INSTALL) return;
  const { server, key } = await chrome.storage.local.get(['server', 'key']);
  if (!server || !key) await chrome.runtime.openOptionsPage();
});
