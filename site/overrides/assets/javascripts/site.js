/* 共育 on every page: the 长辈模式 switch, the service worker, 已看完/已下载 marks on cards,
   下载收听 (a lesson's audio-only rendition kept on the phone), the downloads list and the
   课题库 filter and pages. Everything is stored on the phone only (localStorage, Cache Storage). */
(function () {
  "use strict";
  var DOWNLOADS = "gongyu-downloads";
  function get(key, fallback) { try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; } }
  function put(key, value) { try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode */ } }
  function size(bytes) { return bytes < 1048576 ? Math.max(1, Math.round(bytes / 1024)) + " KB" : (bytes / 1048576).toFixed(1) + " MB"; }
  var root = document.documentElement;

  /* 长辈模式 */
  var large = document.getElementById("gy-large-switch");
  if (large) {
    var sync = function () {
      var on = root.classList.contains("gy-large");
      large.setAttribute("aria-pressed", on ? "true" : "false");
      large.textContent = on ? "标准字" : "大字";
      large.title = on ? "长辈模式已开:点此恢复标准字号" : "长辈模式:放大文字和按钮";
    };
    sync();
    large.addEventListener("click", function () {
      var on = !root.classList.contains("gy-large");
      root.classList.toggle("gy-large", on);
      try { localStorage.setItem("gongyu:large", on ? "1" : "0"); } catch (e) { /* private mode */ }
      sync();
    });
  }

  /* 打印二维码 on a school's page (no inline handler: the site's CSP refuses them) */
  var printers = document.querySelectorAll("[data-gy-print]");
  for (var p = 0; p < printers.length; p++) {
    printers[p].addEventListener("click", function (e) { e.preventDefault(); window.print(); });
  }

  /* Service worker: pages visited, CSS/JS, search and downloads work without a network. */
  if ("serviceWorker" in navigator && location.protocol !== "file:") {
    window.addEventListener("load", function () { navigator.serviceWorker.register("/sw.js").catch(function () {}); });
  }

  /* 已看完 / 已下载 marks on cards */
  var done = get("gongyu:done", {});
  var downloads = get("gongyu:downloads", {});
  var cards = document.querySelectorAll("a[data-url]");
  for (var i = 0; i < cards.length; i++) {
    var url = cards[i].getAttribute("data-url");
    var marks = [];
    if (done[url]) marks.push("已看完");
    if (downloads[url]) marks.push("已下载");
    if (marks.length) {
      var badge = document.createElement("span");
      badge.className = "gy-card__marks";
      badge.textContent = marks.join(" · ");
      (cards[i].querySelector(".gy-card__body") || cards[i]).appendChild(badge);
    }
  }

  /* 下载收听 */
  function segmentsOf(playlistUrl, text) {
    var base = new URL(playlistUrl, location.href);
    var files = [];
    text.split("\n").forEach(function (line) {
      line = line.trim();
      var map = /URI="([^"]+)"/.exec(line);
      if (map && line.indexOf("#EXT-X-MAP") === 0) files.push(new URL(map[1], base).pathname);
      else if (line && line.charAt(0) !== "#") files.push(new URL(line, base).pathname);
    });
    return files;
  }
  function download(button) {
    var playlist = new URL(button.getAttribute("data-audio"), location.href).pathname;
    var page = location.pathname;
    var title = (document.querySelector("article h1") || document.querySelector("h1")).textContent;
    var hls = document.querySelector("script[data-hls]");
    button.disabled = true;
    button.textContent = "正在下载…";
    caches.open(DOWNLOADS).then(function (cache) {
      return fetch(playlist).then(function (r) {
        if (!r.ok) throw new Error(r.status);
        return r.clone().text().then(function (text) {
          var files = segmentsOf(playlist, text);
          var n = 0;
          var extras = [page];
          if (hls) fetch(hls.getAttribute("data-hls")).catch(function () {});  // the worker keeps it
          return cache.put(playlist, r).then(function () {
            return files.reduce(function (chain, file) {
              return chain.then(function () {
                return cache.add(file).then(function () { n += 1; button.textContent = "正在下载… " + n + "/" + files.length; });
              });
            }, Promise.resolve());
          }).then(function () {
            return Promise.all(extras.map(function (u) { return caches.open("gongyu-pages").then(function (c) { return c.add(u); }).catch(function () {}); }));
          }).then(function () { return [playlist].concat(files); });
        });
      });
    }).then(function (files) {
      downloads = get("gongyu:downloads", {});
      downloads[page] = { title: title, audio: playlist, files: files, bytes: parseInt(button.getAttribute("data-bytes"), 10) || 0, at: Date.now() };
      put("gongyu:downloads", downloads);
      button.textContent = "已下载,没有网络也能听";
    }, function () {
      button.disabled = false;
      button.textContent = "下载没有完成,请在网络好时再试";
    });
  }
  var buttons = document.querySelectorAll(".gy-player__download");
  if (window.caches && "serviceWorker" in navigator) {
    for (var b = 0; b < buttons.length; b++) {
      var btn = buttons[b];
      var key = location.pathname;
      btn.hidden = false;
      if (downloads[key] && downloads[key].audio === new URL(btn.getAttribute("data-audio"), location.href).pathname) {
        btn.textContent = "已下载,没有网络也能听";
        btn.disabled = true;
      } else {
        btn.addEventListener("click", function (e) { download(e.currentTarget); });
      }
    }
  }

  /* The downloads list (我的下载 and the offline page) */
  var list = document.getElementById("gy-downloads");
  function drawList() {
    list.textContent = "";
    var keys = Object.keys(downloads);
    if (!keys.length) {
      var empty = document.createElement("li");
      empty.className = "gy-empty";
      empty.textContent = list.getAttribute("data-empty");
      list.appendChild(empty);
      return;
    }
    keys.forEach(function (page) {
      var item = downloads[page];
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = page;
      a.textContent = item.title;
      var info = document.createElement("span");
      info.className = "gy-downloads__size";
      info.textContent = "只听声音 · " + size(item.bytes || 0);
      var del = document.createElement("button");
      del.type = "button";
      del.textContent = "删除";
      del.setAttribute("aria-label", "删除下载:" + item.title);
      del.addEventListener("click", function () {
        caches.open(DOWNLOADS).then(function (cache) {
          return Promise.all((item.files || []).map(function (f) { return cache.delete(f); }));
        }).then(function () {
          delete downloads[page];
          put("gongyu:downloads", downloads);
          drawList();
        });
      });
      li.appendChild(a);
      li.appendChild(info);
      li.appendChild(del);
      list.appendChild(li);
    });
  }
  if (list) drawList();

  /* 课题库: filter by 主题 and 状态, ten topics a page */
  var topics = document.getElementById("gy-topics");
  if (topics) {
    var form = document.getElementById("gy-topic-filter");
    var pager = document.getElementById("gy-topic-pager");
    var count = document.getElementById("gy-topic-count");
    var sections = topics.querySelectorAll(".gy-topic");
    var per = parseInt(topics.getAttribute("data-page-size"), 10) || 10;
    var pageNo = 0;
    var target = location.hash ? document.getElementById(location.hash.slice(1)) : null;
    var draw = function () {
      var theme = form.elements.theme.value;
      var stage = form.elements.stage.value;
      var state = form.elements.state.value;
      var shown = [];
      for (var s = 0; s < sections.length; s++) {
        var sec = sections[s];
        var stages = sec.getAttribute("data-stages");  /* empty: a topic for every 学段 */
        var ok = (!theme || sec.getAttribute("data-themes").split("|").indexOf(theme) >= 0) && (!state || sec.getAttribute("data-state") === state) &&
          (!stage || !stages || stages.split("|").indexOf(stage) >= 0);
        if (ok) shown.push(sec);
        sec.hidden = true;
      }
      var pages = Math.max(1, Math.ceil(shown.length / per));
      if (target && shown.indexOf(target) >= 0) { pageNo = Math.floor(shown.indexOf(target) / per); target = null; }
      pageNo = Math.min(Math.max(pageNo, 0), pages - 1);
      shown.slice(pageNo * per, pageNo * per + per).forEach(function (sec) { sec.hidden = false; });
      count.textContent = shown.length ? "共 " + shown.length + " 个课题" : "没有符合条件的课题";
      pager.hidden = pages < 2;
      pager.querySelector("span").textContent = "第 " + (pageNo + 1) + " 页 / 共 " + pages + " 页";
      pager.querySelector('[data-go="-1"]').disabled = pageNo === 0;
      pager.querySelector('[data-go="1"]').disabled = pageNo >= pages - 1;
    };
    form.hidden = false;
    form.addEventListener("change", function () { pageNo = 0; draw(); });
    pager.addEventListener("click", function (e) {
      var go = e.target.getAttribute && e.target.getAttribute("data-go");
      if (go) { pageNo += parseInt(go, 10); draw(); topics.scrollIntoView(); }
    });
    draw();
  }

  /* WeChat share card (JS-SDK), only when the operator turned it on (the page then names the
     signing view) and only inside WeChat: elsewhere nothing is fetched. The vendored SDK and the
     signature are fetched side by side; the card shows the page's own title, description and
     picture (the same as its og: tags). */
  var wechat = document.querySelector('meta[name="gy-wechat"]');
  if (wechat && /MicroMessenger/i.test(navigator.userAgent)) {
    var pageUrl = location.href.split("#")[0];
    var og = function (name) { var m = document.querySelector('meta[property="og:' + name + '"]'); return m ? m.content : ""; };
    var signed = fetch(wechat.content + "?url=" + encodeURIComponent(pageUrl), { credentials: "omit" })
      .then(function (r) { if (!r.ok) throw new Error("wechat signature " + r.status); return r.json(); });
    var sdk = new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = wechat.getAttribute("data-sdk");
      script.onload = function () { resolve(window.wx); };
      script.onerror = reject;
      document.head.appendChild(script);
    });
    Promise.all([signed, sdk]).then(function (both) {
      var sig = both[0], wx = both[1];
      wx.config({ debug: false, appId: sig.appId, timestamp: sig.timestamp, nonceStr: sig.nonceStr,
                  signature: sig.signature, jsApiList: ["updateAppMessageShareData", "updateTimelineShareData"] });
      wx.ready(function () {
        var card = { title: og("title") || document.title, desc: og("description"), link: pageUrl, imgUrl: og("image") };
        wx.updateAppMessageShareData(card);
        wx.updateTimelineShareData({ title: card.title, link: card.link, imgUrl: card.imgUrl });
      });
    }).catch(function (error) { if (window.console) console.warn(error); });   /* the plain share still works */
  }
})();
