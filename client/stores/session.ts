// Who is signed in, as the server last said. The last known account is kept in localStorage so an
// offline start still shows the app shell and the account's offline library; the server is asked
// again on every navigation and whenever the browser comes back online.
import { defineStore } from 'pinia';
import { deleteOfflineCache } from '~/utils/offline-cache';

/** The signed-in account, as kept between visits. */
export interface KnownUser {
  id: string;
  email: string;
  name: string | null;
  isAdmin: boolean;
}

const KEY = 'vivim.session.user';
/** How often an unreachable server is asked again while the browser says it is online. */
const RETRY_MS = 10_000;

function readKnown(): KnownUser | null {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(KEY) ?? 'null');
    const user = value as Partial<KnownUser> | null;
    return user && typeof user.id === 'string' && typeof user.email === 'string' ? { id: user.id, email: user.email, name: user.name ?? null, isAdmin: user.isAdmin === true } : null;
  } catch {
    return null;
  }
}

function writeKnown(user: KnownUser | null): void {
  try {
    if (user) localStorage.setItem(KEY, JSON.stringify(user));
    else localStorage.removeItem(KEY);
  } catch {
    // storage blocked: the session is remembered for this visit only
  }
}

/** True when a tRPC error came with an HTTP answer from the server (not a network failure). */
export function answeredStatus(error: unknown): number | undefined {
  return (error as { data?: { httpStatus?: number } } | null)?.data?.httpStatus;
}

export const useSessionStore = defineStore('session', () => {
  const { $trpc } = useNuxtApp();
  /** The account signed in, or the last one known while the server cannot be reached. */
  const user = ref<KnownUser | null>(readKnown());
  /** Whether the server has answered this visit (else `user` is what an earlier visit knew). */
  const confirmed = ref(false);
  /** Whether the server has accounts at all (first run: none). Null until it answers. */
  const hasUsers = ref<boolean | null>(null);
  /** Whether Google sign-in is configured. */
  const google = ref(false);
  /** The browser's connectivity (navigator.onLine, kept current by events). */
  const online = ref(true);
  /** The last check failed without an answer: offline, or the server down. */
  const unreachable = ref(false);
  let checking: Promise<void> | undefined;
  let started = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  /** Online and the server answering: false shows the offline indicator and the saved copies. */
  const connected = computed(() => online.value && !unreachable.value);

  function set(next: KnownUser | null): void {
    user.value = next;
    writeKnown(next);
  }

  async function check(): Promise<void> {
    try {
      // One batched request: `me` fails with 401 when nobody is signed in, which status then says.
      const [status, me] = await Promise.all([$trpc.auth.status.query(), $trpc.auth.me.query().catch((error: unknown) => (answeredStatus(error) === 401 ? null : Promise.reject(error)))]);
      hasUsers.value = status.hasUsers;
      google.value = status.google;
      if (!status.signedIn || !me) set(null);
      else set({ id: me.id, email: me.email, name: me.name, isAdmin: me.isAdmin });
      confirmed.value = true;
      unreachable.value = false;
    } catch (error) {
      if (answeredStatus(error) === 401) {
        set(null);
        confirmed.value = true;
        unreachable.value = false;
      } else {
        unreachable.value = true; // keep what we knew
        // The browser may think it is online (a dead Wi-Fi, the server restarting): no 'online' event will come.
        clearTimeout(retry);
        retry = setTimeout(() => void refresh(), RETRY_MS);
      }
    }
  }

  /** Asks the server who is signed in (concurrent calls share one request). */
  function refresh(): Promise<void> {
    checking ??= check().finally(() => (checking = undefined));
    return checking;
  }

  /** Follows connectivity: back online, the server is asked again (an offline start knew only the saved account). */
  function start(): void {
    if (started) return;
    started = true;
    online.value = navigator.onLine;
    window.addEventListener('online', () => {
      online.value = true;
      void refresh();
    });
    window.addEventListener('offline', () => (online.value = false));
  }

  /** Signs out here and forgets this account's offline copy on this device. */
  async function signOut(): Promise<void> {
    const was = user.value;
    try {
      await $trpc.auth.signOut.mutate();
    } finally {
      set(null);
      await closeOfflineCache();
      if (was) await deleteOfflineCache(was.id).catch(() => undefined);
    }
  }

  /** Records the account a sign-in or sign-up just returned. */
  function signedIn(account: KnownUser): void {
    set({ id: account.id, email: account.email, name: account.name, isAdmin: account.isAdmin });
    hasUsers.value = true;
    confirmed.value = true;
  }

  return { user, confirmed, hasUsers, google, online, unreachable, connected, refresh, start, signOut, signedIn };
});
