/* 共育 player: poster first and nothing downloaded until the parent presses play; native HLS
   where the browser has it, else hls.js (vendored, loaded on demand) starting at the lowest rung;
   只听声音 switches to the audio-only rendition; captions come from <track>; the position is
   remembered in localStorage; a clear message where video cannot play. */
(function () {
  "use strict";
  var HLS_TYPE = "application/vnd.apple.mpegurl";
  var script = document.currentScript;
  var hlsUrl = script && script.getAttribute("data-hls");
  var hlsLoading = null;
  var NATIVE_BROKEN = "gongyu:native-hls-broken";

  function loadHls() {
    if (window.Hls) return Promise.resolve(window.Hls);
    if (!hlsLoading) {
      hlsLoading = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = hlsUrl;
        s.onload = function () { window.Hls ? resolve(window.Hls) : reject(new Error("hls.js")); };
        s.onerror = reject;
        document.head.appendChild(s);
      });
    }
    return hlsLoading;
  }

  function store(key, value) { try { localStorage.setItem(key, value); } catch (e) { /* private mode */ } }
  function recall(key) { try { return localStorage.getItem(key); } catch (e) { return null; } }

  function Player(figure) {
    this.figure = figure;
    this.video = figure.querySelector("video");
    this.audioButton = figure.querySelector(".gy-player__audio");
    this.fallback = figure.querySelector(".gy-player__fallback");
    this.key = "gongyu:position:" + figure.getAttribute("data-key");
    this.mode = "video";
    this.hls = null;
    this.started = false;
    var self = this;
    figure.querySelector(".gy-player__start").addEventListener("click", function () { self.start(true); });
    this.video.addEventListener("play", function () { if (!self.started) self.start(true); });
    if (this.audioButton) {
      this.audioButton.addEventListener("click", function () { self.toggleAudio(); });
    }
    var last = 0;
    this.video.addEventListener("timeupdate", function () {
      var now = Date.now();
      if (now - last > 2000) { last = now; self.savePosition(); }
    });
    this.video.addEventListener("pause", function () { self.savePosition(); });
    this.video.addEventListener("ended", function () { store(self.key, "0"); self.markDone(); });
    this.video.addEventListener("timeupdate", function () {
      if (self.video.duration && self.video.currentTime > self.video.duration * 0.9) self.markDone();
    });
    // Offline with this lesson downloaded (下载收听): play the audio kept on the phone.
    var saved = {};
    try { saved = JSON.parse(recall("gongyu:downloads") || "{}") || {}; } catch (e) { saved = {}; }
    if (this.audioButton && navigator.onLine === false && saved[location.pathname]) {
      this.mode = "audio";
      this.audioButton.setAttribute("aria-pressed", "true");
      this.audioButton.textContent = "看视频";
      this.figure.setAttribute("data-mode", "audio");
    }
    this.video.addEventListener("error", function () {
      if (self.hls || !self.video.getAttribute("src")) return;
      if (self.figure.getAttribute("data-engine") === "native" && window.MediaSource) {
        clearTimeout(self.watchdog);
        store(NATIVE_BROKEN, "1");
        self.video.removeAttribute("src");
        self.startHls();
      } else {
        self.fail();
      }
    });
  }

  Player.prototype.markDone = function () {
    if (this.done) return;
    this.done = true;
    var done = {};
    try { done = JSON.parse(recall("gongyu:done") || "{}") || {}; } catch (e) { done = {}; }
    done[location.pathname] = Date.now();
    store("gongyu:done", JSON.stringify(done));
  };

  Player.prototype.savePosition = function () {
    if (this.video.currentTime > 0) store(this.key, String(Math.floor(this.video.currentTime)));
  };

  Player.prototype.source = function () {
    return this.mode === "audio" ? this.figure.getAttribute("data-audio") : this.figure.getAttribute("data-master");
  };

  Player.prototype.start = function (play) {
    var self = this;
    this.started = true;
    this.figure.classList.add("is-started");
    var resumeAt = this.resumeAt != null ? this.resumeAt : parseFloat(recall(this.key) || "0");
    this.resumeAt = null;
    var seek = function () {
      if (resumeAt > 0 && (!self.video.duration || resumeAt < self.video.duration - 1)) {
        self.video.currentTime = resumeAt;
      }
      if (play) {
        var p = self.video.play();
        if (p && p.catch) p.catch(function () { /* the parent can press play again */ });
      }
    };
    this.video.addEventListener("loadedmetadata", seek, { once: true });
    if (this.video.canPlayType(HLS_TYPE) && recall(NATIVE_BROKEN) !== "1") {
      this.video.src = this.source();
      this.figure.setAttribute("data-engine", "native");
      // Some browsers answer "maybe" and then never load the playlist: fall back to hls.js.
      clearTimeout(this.watchdog);
      this.watchdog = setTimeout(function () {
        if (self.video.readyState < 1 && window.MediaSource) {
          store(NATIVE_BROKEN, "1");
          self.video.removeAttribute("src");
          self.video.load();
          self.video.addEventListener("loadedmetadata", seek, { once: true });
          self.startHls();
        }
      }, 2500);
      return;
    }
    this.startHls();
  };

  Player.prototype.startHls = function () {
    var self = this;
    loadHls().then(function (Hls) {
      if (!Hls.isSupported()) { self.fail(); return; }
      if (self.hls) self.hls.destroy();
      var hls = new Hls({ startLevel: 0, capLevelToPlayerSize: true, maxBufferLength: 20 });
      self.hls = hls;
      self.figure.setAttribute("data-engine", "hls.js");
      hls.on(Hls.Events.ERROR, function (event, data) {
        if (!data.fatal) return;
        if (data.type === Hls.ErrorTypes.MEDIA_ERROR) { hls.recoverMediaError(); } else { self.fail(); }
      });
      hls.loadSource(self.source());
      hls.attachMedia(self.video);
    }, function () { self.fail(); });
  };

  Player.prototype.toggleAudio = function () {
    var wasPlaying = !this.video.paused || !this.started;
    this.resumeAt = this.video.currentTime || parseFloat(recall(this.key) || "0");
    this.mode = this.mode === "audio" ? "video" : "audio";
    this.audioButton.setAttribute("aria-pressed", this.mode === "audio" ? "true" : "false");
    this.audioButton.textContent = this.mode === "audio" ? "看视频" : "只听声音";
    this.figure.setAttribute("data-mode", this.mode);
    this.start(wasPlaying);
  };

  Player.prototype.fail = function () {
    if (this.hls) { this.hls.destroy(); this.hls = null; }
    this.fallback.hidden = false;
    this.figure.setAttribute("data-failed", "true");
  };

  var players = document.querySelectorAll(".gy-player");
  for (var i = 0; i < players.length; i++) new Player(players[i]);
})();
