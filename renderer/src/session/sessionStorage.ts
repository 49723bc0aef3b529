/**
 * Sessions kept in the page's IndexedDB: the recent files (browser mode cannot reopen a file by its
 * path, so the bytes are kept, the last five) and the autosave of the last recording. Without
 * IndexedDB (tests under Node, a locked-down profile) every call is a no-op that resolves empty.
 */
const DB = 'vlcache-sessions';
const STORE = 'sessions';
const RECENT_LIMIT = 5;
export const AUTOSAVE_KEY = 'autosave';

export interface StoredSession {
  key: string;
  name: string;
  savedAt: number;
  bytes: Uint8Array;
}

function openDb(): Promise<IDBDatabase | null> {
  if (typeof indexedDB === 'undefined') return Promise.resolve(null);
  return new Promise((resolve) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'key' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => resolve(null);
  });
}

function run<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T | null> {
  return openDb().then(
    (db) =>
      new Promise<T | null>((resolve) => {
        if (!db) return resolve(null);
        const tx = db.transaction(STORE, mode);
        const req = fn(tx.objectStore(STORE));
        tx.oncomplete = () => {
          db.close();
          resolve(req.result ?? null);
        };
        tx.onerror = tx.onabort = () => {
          db.close();
          resolve(null);
        };
      }),
  );
}

export async function putSession(s: StoredSession): Promise<void> {
  await run('readwrite', (st) => st.put(s));
  if (s.key === AUTOSAVE_KEY) return;
  const recent = await listRecent();
  for (const old of recent.slice(RECENT_LIMIT)) await run('readwrite', (st) => st.delete(old.key));
}

export async function getSession(key: string): Promise<StoredSession | null> {
  return run<StoredSession>('readonly', (st) => st.get(key));
}

/** Recent sessions, newest first (the autosave is not one of them). */
export async function listRecent(): Promise<StoredSession[]> {
  const all = (await run<StoredSession[]>('readonly', (st) => st.getAll())) ?? [];
  return all.filter((s) => s.key !== AUTOSAVE_KEY).sort((a, b) => b.savedAt - a.savedAt);
}
