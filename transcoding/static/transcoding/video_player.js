// The edit page's player: the video's current renditions through the admin's permission-checked
// file view, with the vendored hls.js (native HLS where the browser has it). When the video becomes
// playable while the page is open (video_status.js reports it), the player is attached then.
(function () {
  "use strict";
  function attach(video, url) {
    if (!url || video.dataset.attached === url) return;
    video.dataset.attached = url;
    var preview = video.closest("[data-video-preview]");
    var waiting = preview && preview.querySelector("[data-player-waiting]");
    if (waiting) waiting.hidden = true;
    function failed() {
      var error = preview && preview.querySelector("[data-player-error]");
      if (error) error.hidden = false;
    }
    if (window.Hls && window.Hls.isSupported()) {
      // startPosition 0: a ladder still being made has growing (EVENT) playlists, which hls.js
      // would otherwise join at their end, as a live stream
      var hls = new window.Hls({ capLevelToPlayerSize: true, startPosition: 0 });
      hls.on(window.Hls.Events.ERROR, function (event, data) { if (data.fatal) failed(); });
      hls.loadSource(url);
      hls.attachMedia(video);
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = url;
      video.addEventListener("error", failed);
    } else {
      failed();
    }
  }
  function players() {
    return Array.prototype.slice.call(document.querySelectorAll("video[data-gongyu-player]"));
  }
  function start() {
    players().forEach(function (video) { attach(video, video.dataset.src); });
    document.addEventListener("gongyu:video-status", function (event) {
      players().forEach(function (video) {
        var preview = video.closest("[data-video-preview]");
        if (preview && preview.dataset.videoPreview === String(event.detail.id)) attach(video, event.detail.master_url);
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
