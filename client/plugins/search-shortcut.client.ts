// "/" (outside text fields) or Ctrl/Cmd+K (anywhere) opens the search page and focuses its box.

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && !['checkbox', 'radio', 'button', 'submit', 'reset', 'file', 'range', 'color'].includes(target.type);
}

/** Focuses the search box once the search page shows it (a navigation may still be rendering). */
function focusSearchBox(attempts = 60): void {
  const input = document.getElementById('search-input');
  if (input instanceof HTMLInputElement) {
    input.focus();
    input.select();
  } else if (attempts > 0) {
    requestAnimationFrame(() => focusSearchBox(attempts - 1));
  }
}

export default defineNuxtPlugin(() => {
  const router = useRouter();
  window.addEventListener('keydown', (event) => {
    if (event.defaultPrevented || event.isComposing || event.altKey) return;
    const commandK = (event.ctrlKey || event.metaKey) && !event.shiftKey && event.key.toLowerCase() === 'k';
    const slash = event.key === '/' && !event.ctrlKey && !event.metaKey && !isTyping(event.target);
    if (!commandK && !slash) return;
    event.preventDefault();
    if (router.currentRoute.value.path === '/search') focusSearchBox();
    else void router.push('/search').then(() => focusSearchBox());
  });
});
