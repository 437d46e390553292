// Live status of 待转码/转码中 videos in the admin (the listing, the edit page, the homepage): polls
// the status endpoint every 3 s and updates the label, 可以播放, the pass, the progress bar and the
// time left (约剩 m:ss, only once the worker has measured the speed). A block marked
// data-reload-when-done reloads the page once its video is finished or failed; the edit page's
// block does not (the form may hold unsaved edits) and tells the player instead (gongyu:video-status).
(function () {
  "use strict";
  var BUSY = { pending: true, processing: true };
  function blocks() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-video-status][data-status-url]"));
  }
  function pending() {
    return blocks().filter(function (el) { return BUSY[el.dataset.status]; });
  }
  function set(el, selector, text) {
    var part = el.querySelector(selector);
    if (part) part.textContent = text;
  }
  function update(el, video) {
    var reload = !BUSY[video.status] && el.hasAttribute("data-reload-when-done");
    el.dataset.status = video.status;
    set(el, ".gongyu-video-label", video.label);
    set(el, ".gongyu-video-phase", video.phase);
    set(el, ".gongyu-video-eta", video.eta);
    var tag = el.querySelector(".gongyu-video-playable");
    if (tag) tag.hidden = !(video.playable && video.status !== "ready");
    var bar = el.querySelector("progress");
    if (bar) {
      bar.hidden = video.status !== "processing";
      bar.value = video.progress;
      bar.textContent = video.progress + "%";
    }
    var error = el.querySelector(".gongyu-video-error");
    if (error) {
      error.hidden = !video.error;
      error.textContent = video.error || "";
    }
    document.dispatchEvent(new CustomEvent("gongyu:video-status", { detail: video }));
    return reload;
  }
  function poll() {
    var cells = pending();
    if (!cells.length) return;
    var groups = {};
    cells.forEach(function (el) {
      (groups[el.dataset.statusUrl] = groups[el.dataset.statusUrl] || []).push(el.dataset.videoStatus);
    });
    var requests = Object.keys(groups).map(function (url) {
      var query = groups[url].map(function (id) { return "id=" + encodeURIComponent(id); }).join("&");
      return fetch(url + "?" + query, { credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        });
    });
    Promise.all(requests)
      .then(function (answers) {
        var reload = false;
        answers.forEach(function (data) {
          data.videos.forEach(function (video) {
            document.querySelectorAll('[data-video-status="' + video.id + '"]').forEach(function (el) {
              reload = update(el, video) || reload;
            });
          });
        });
        if (reload) location.reload();
        else setTimeout(poll, 3000);
      })
      .catch(function () { setTimeout(poll, 10000); });
  }
  function start() {
    if (pending().length) setTimeout(poll, 3000);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
