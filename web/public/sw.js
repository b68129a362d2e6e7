/* SETRAG service worker: keeps the app shell available offline.
 *
 * - install: caches the shell of this build (build.sh writes the build id below, so every build is a
 *   new worker with a new cache, and the old cache is deleted once it takes over);
 * - navigations: network first, the cached shell when the network fails (offline);
 * - the shell's static files: cache first (their URLs carry the build id);
 * - /api/, /auth/, /oauth/ and /.well-known/ are never answered from, nor written to, the cache.
 */
'use strict';

const BUILD_ID = '__BUILD_ID__';
const CACHE_PREFIX = 'setrag-shell-';
const CACHE = CACHE_PREFIX + BUILD_ID;
const SHELL_PAGE = '/';
const SHELL = [
  SHELL_PAGE,
  '/app.js?v=' + BUILD_ID,
  '/app.css?v=' + BUILD_ID,
  '/manifest.webmanifest',
  '/icons/icon.svg',
  '/icons/icon-192.png',
  '/icons/icon-512.png',
];
const NEVER_CACHED = ['/api/', '/auth/', '/oauth/', '/.well-known/'];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      // `cache: 'reload'` skips the HTTP cache so that the shell is this build's, not a stale copy.
      .then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { cache: 'reload' }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(keys.filter((key) => key.startsWith(CACHE_PREFIX) && key !== CACHE).map((key) => caches.delete(key))),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (NEVER_CACHED.some((prefix) => url.pathname.startsWith(prefix))) return;

  if (request.mode === 'navigate') {
    event.respondWith(
      fetch(request).catch(() =>
        caches.match(SHELL_PAGE, { cacheName: CACHE }).then((cached) => cached || Response.error()),
      ),
    );
    return;
  }

  if (SHELL.includes(url.pathname + url.search)) {
    event.respondWith(
      caches.match(request, { cacheName: CACHE }).then((cached) => cached || fetch(request)),
    );
  }
});
