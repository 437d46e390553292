// Live status of 待转码/转码中 videos in the admin listing: polls the status endpoint every 3 s
// and updates the progress bar, the time left and the label; reloads once a video is done or failed.
(function () {
  "use strict";
  function pending() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-video-status]")).filter(function (el) {
      return el.dataset.status === "pending" || el.dataset.status === "processing";
    });
  }
  function minutes(seconds) {
    seconds = Math.round(seconds);
    return Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
  }
  function poll() {
    var cells = pending();
    if (!cells.length) return;
    var base = location.pathname.replace(/(\/admin\/snippets\/transcoding\/videoasset\/).*/, "$1");
    var query = cells.map(function (el) { return "id=" + el.dataset.videoStatus; }).join("&");
    fetch(base + "status/?" + query, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var reload = false;
        data.videos.forEach(function (video) {
          var el = document.querySelector('[data-video-status="' + video.id + '"]');
          if (!el) return;
          if (video.status !== "pending" && video.status !== "processing") reload = true;
          el.dataset.status = video.status;
          el.querySelector(".gongyu-video-label").textContent = video.label;
          var bar = el.querySelector("progress");
          bar.hidden = video.status !== "processing";
          bar.value = video.progress;
          bar.textContent = video.progress + "%";
          el.querySelector(".gongyu-video-eta").textContent =
            video.status === "processing" && video.eta_seconds ? "约剩 " + minutes(video.eta_seconds) : "";
        });
        if (reload) location.reload();
        else setTimeout(poll, 3000);
      })
      .catch(function () { setTimeout(poll, 10000); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (pending().length) setTimeout(poll, 3000);
  });
})();
