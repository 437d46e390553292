/* 共育 service worker (Workbox, vendored from npm under /workbox-7.4.1/, never a CDN).
   Pages: network first (an online visit always gets the newest site), the cached copy when the
   network is gone or too slow, else the offline page. Fingerprinted CSS/JS, Workbox itself and
   thumbnails: cache first. Search (Pagefind runtime, site.json, shards): network first, so the
   shards a parent has used keep working offline. Videos are never cached here; only what the
   parent chose to download (下载收听, cache "gongyu-downloads", written by site.js) is served
   from the phone. Version: @@VERSION@@ (changes with the theme, so the new worker takes over). */
importScripts("/workbox-7.4.1/workbox-sw.js");
workbox.setConfig({ modulePathPrefix: "/workbox-7.4.1/", debug: false });

var VERSION = "@@VERSION@@";
var PAGES = "gongyu-pages";
var OFFLINE = "/offline/";
var DOWNLOADS = "gongyu-downloads";

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(PAGES).then(function (cache) { return cache.add(OFFLINE); }).then(function () {
    return self.skipWaiting();
  }));
});
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

var routing = workbox.routing;
var strategies = workbox.strategies;
var ExpirationPlugin = workbox.expiration.ExpirationPlugin;

var pages = new strategies.NetworkFirst({
  cacheName: PAGES, networkTimeoutSeconds: 6,
  plugins: [new ExpirationPlugin({ maxEntries: 200 })]
});
routing.registerRoute(function (o) { return o.request.mode === "navigate"; }, function (options) {
  return pages.handle(options).then(function (response) {
    return response || caches.match(OFFLINE);
  }, function () { return caches.match(OFFLINE); });
});
routing.registerRoute(function (o) { return o.url.pathname.indexOf("/assets/") === 0 || o.url.pathname.indexOf("/workbox-") === 0; },
  new strategies.CacheFirst({ cacheName: "gongyu-assets", plugins: [new ExpirationPlugin({ maxEntries: 80 })] }));
routing.registerRoute(function (o) { return o.url.pathname.indexOf("/t/") === 0 || o.url.pathname.indexOf("/icons/") === 0; },
  new strategies.CacheFirst({ cacheName: "gongyu-images", plugins: [new ExpirationPlugin({ maxEntries: 300 })] }));
routing.registerRoute(function (o) { return o.url.pathname.indexOf("/pagefind/") === 0; },
  // Pagefind asks for pagefind-entry.json?ts=<now>: match without the query string.
  new strategies.NetworkFirst({ cacheName: "gongyu-search", networkTimeoutSeconds: 6, matchOptions: { ignoreSearch: true },
    plugins: [new ExpirationPlugin({ maxEntries: 400 })] }));
routing.registerRoute(function (o) { return o.url.pathname.indexOf("/v/") === 0; }, function (options) {
  return caches.open(DOWNLOADS).then(function (cache) {
    return cache.match(options.request, { ignoreSearch: true });
  }).then(function (hit) { return hit || fetch(options.request); });
});
