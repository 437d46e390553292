/* 共育 participation: anonymous events (page view, play, watched 50 % / 90 % of real playback
   time — audio-only too —, 作业打卡, 这节课对您有帮助吗?) sent in batches to the endpoint in
   data-endpoint. No name, no phone: a random device id in localStorage and the school/class code
   from the school's link. Events wait in localStorage until the endpoint confirms them (fetch);
   when the page is hidden they also go by sendBeacon, and the server ignores repeats by event id.
   The site works the same when the endpoint is down. */
(function () {
  "use strict";
  var script = document.currentScript;
  var endpoint = script && script.getAttribute("data-endpoint");
  var QUEUE = "gongyu:engagement:queue", DEVICE = "gongyu:engagement:device", SCHOOL = "gongyu:engagement:school";
  var FLAGS = "gongyu:engagement:sent:";
  var MAX_QUEUE = 500, BATCH = 50, RETRY_MS = 20000, TICK = 0.5;
  var sending = false, timer = null;

  function get(key) { try { return localStorage.getItem(key); } catch (e) { return null; } }
  function set(key, value) { try { localStorage.setItem(key, value); } catch (e) { /* private mode: nothing kept */ } }
  function load() { try { return JSON.parse(get(QUEUE) || "[]"); } catch (e) { return []; } }
  function save(queue) { set(QUEUE, JSON.stringify(queue.slice(-MAX_QUEUE))); }
  function hex(bytes) {
    var a = new Uint8Array(bytes);
    (window.crypto || window.msCrypto).getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function device() {
    var id = get(DEVICE);
    if (!/^[0-9a-f]{32}$/.test(id || "")) { id = hex(16); set(DEVICE, id); }
    return id;
  }
  function school() {
    var params = new URLSearchParams(location.search);
    var code = params.get("s"), klass = parseInt(params.get("c") || "0", 10);
    if (code && /^[A-Z0-9]+(-[A-Z0-9]+)*$/.test(code) && code.length <= 32) {
      var info = { s: code, c: klass > 0 && klass < 1000 ? klass : 0 };
      set(SCHOOL, JSON.stringify(info));
      return info;
    }
    try { return JSON.parse(get(SCHOOL) || "null"); } catch (e) { return null; }
  }
  var where = school();

  function today() { var d = new Date(); return d.getFullYear() + "-" + (d.getMonth() + 1) + "-" + d.getDate(); }
  function once(page, kind) {   // milestones count once per page and day on this device
    var key = FLAGS + page + ":" + kind + ":" + today();
    if (get(key)) return false;
    set(key, "1");
    return true;
  }
  function record(kind, page, extra) {
    if (!endpoint || !where || !page) return;
    var item = { id: Date.now().toString(36) + hex(6), kind: kind, page: page, t: Date.now() };
    if (extra) { for (var k in extra) { if (extra[k]) item[k] = extra[k]; } }
    var queue = load();
    queue.push(item);
    save(queue);
    clearTimeout(timer);
    timer = setTimeout(flush, 1500);   // a moment, so events close together go in one request
  }
  function body(items) {   // without a school code only survey answers are sent (the server drops the rest)
    return JSON.stringify({ device: device(), school: where ? where.s : undefined,
                            "class": where && where.c || undefined, events: items });
  }
  function forget(items) {
    var sent = {};
    items.forEach(function (i) { sent[i.id] = true; });
    save(load().filter(function (i) { return !sent[i.id]; }));
  }
  function flush() {
    var queue = load();
    if (sending || !queue.length || !endpoint || !window.fetch) return;
    var items = queue.slice(0, BATCH);
    sending = true;
    fetch(endpoint, { method: "POST", body: body(items), headers: { "Content-Type": "text/plain" },
                      mode: "cors", credentials: "omit", keepalive: true })
      .then(function (r) {
        sending = false;
        if (r.ok || r.status === 400 || r.status === 413) {   // stored, or never storable: done with them
          forget(items);
          if (load().length) flush();
        } else {
          timer = setTimeout(flush, RETRY_MS);
        }
      })
      .catch(function () { sending = false; timer = setTimeout(flush, RETRY_MS); });
  }
  function beacon() {
    var queue = load();
    if (queue.length && endpoint && navigator.sendBeacon) {
      // Unconfirmed: the events stay queued and are resent later; the server counts them once.
      navigator.sendBeacon(endpoint, new Blob([body(queue.slice(0, BATCH))], { type: "text/plain" }));
    }
  }

  var marker = document.querySelector("[data-gy-page]");
  var page = marker ? parseInt(marker.getAttribute("data-gy-page"), 10) : 0;
  if (page) record("view", page);

  // Real playback time: only small forward steps of currentTime count (not seeking).
  Array.prototype.forEach.call(document.querySelectorAll("video, audio"), function (media) {
    var last = null, played = 0;
    media.addEventListener("playing", function () { last = media.currentTime; if (page && once(page, "play")) record("play", page); });
    media.addEventListener("seeking", function () { last = null; });
    media.addEventListener("timeupdate", function () {
      var now = media.currentTime;
      if (last !== null) {   // paused: no step; the last update as it ends still counts
        var step = now - last;
        if (step > 0 && step < 3) played += step;
      }
      last = now;
      var duration = media.duration;
      if (!page || !isFinite(duration) || duration <= 0) return;
      // TICK: updates come about every 250 ms, so the last step before the end may be missed.
      if (played + TICK >= duration * 0.5 && once(page, "watch50")) record("watch50", page);
      if (played + TICK >= duration * 0.9 && once(page, "watch90")) record("watch90", page);
    });
  });

  function thanks(form, selector, text) {
    var done = form.querySelector(selector);
    Array.prototype.forEach.call(form.querySelectorAll("textarea, button, fieldset, label"), function (el) { el.hidden = true; });
    done.textContent = text;
    done.hidden = false;
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-gy-checkin]"), function (form) {
    form.hidden = false;
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      record("checkin", parseInt(form.getAttribute("data-page"), 10), { text: form.elements.text.value.trim().slice(0, 200) });
      thanks(form, ".gy-checkin__done", "已打卡,谢谢您!");
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-gy-rating]"), function (form) {
    form.hidden = false;
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var choice = form.querySelector("input[name=value]:checked");
      var done = form.querySelector(".gy-rating__done");
      if (!choice) { done.textContent = "请先选择一项。"; done.hidden = false; return; }
      record("rating", parseInt(form.getAttribute("data-page"), 10),
             { value: choice.value, text: form.elements.text.value.trim().slice(0, 200) });
      thanks(form, ".gy-rating__done", "谢谢您的反馈!");
    });
  });
  // 问卷: checked here (required questions), checked again by the server; one answer set per device.
  Array.prototype.forEach.call(document.querySelectorAll("[data-gy-survey]"), function (form) {
    var id = parseInt(form.getAttribute("data-gy-survey"), 10), doneKey = "gongyu:engagement:survey:" + id;
    var error = form.querySelector(".gy-survey__error");
    var closes = form.getAttribute("data-closes"), now = new Date();
    var day = now.getFullYear() + "-" + ("0" + (now.getMonth() + 1)).slice(-2) + "-" + ("0" + now.getDate()).slice(-2);
    form.hidden = false;
    if (get(doneKey)) { thanks(form, ".gy-survey__done", "您已经填过这份问卷,谢谢!"); return; }
    if (closes && day > closes) { thanks(form, ".gy-survey__done", "这份问卷已经截止,谢谢关注。"); return; }
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var answers = {}, missing = 0;
      Array.prototype.forEach.call(form.querySelectorAll("[data-question]"), function (box, index) {
        var q = box.getAttribute("data-question"), kind = box.getAttribute("data-kind"), value = null;
        if (kind === "text") {
          value = box.querySelector("textarea").value.replace(/\s+/g, " ").trim().slice(0, 500) || null;
        } else if (kind === "multiple") {
          value = Array.prototype.map.call(box.querySelectorAll("input:checked"), function (i) { return parseInt(i.value, 10); });
          if (!value.length) value = null;
        } else {
          var checked = box.querySelector("input:checked");
          value = checked ? parseInt(checked.value, 10) : null;
        }
        if (value !== null) answers[q] = value;
        else if (box.getAttribute("data-required") && !missing) missing = index + 1;
      });
      if (missing) { error.textContent = "请回答第 " + missing + " 题。"; error.hidden = false; return; }
      if (!Object.keys(answers).length) { error.textContent = "请至少回答一题。"; error.hidden = false; return; }
      error.hidden = true;
      if (!endpoint) return;
      var queue = load();
      queue.push({ id: Date.now().toString(36) + hex(6), kind: "survey", survey: id, answers: answers, t: Date.now() });
      save(queue);
      set(doneKey, "1");
      Array.prototype.forEach.call(form.querySelectorAll("fieldset"), function (el) { el.hidden = true; });
      thanks(form, ".gy-survey__done", "提交成功,谢谢您的参与!");
      flush();
    });
  });

  // 本周家长课 per group of schools: a school's link shows its group's lecture instead of the
  // all-schools one of the same week and 学段; other groups' lectures are hidden.
  var grouped = document.querySelectorAll("[data-gy-group]");
  if (grouped.length) {
    var mine = {};
    Array.prototype.forEach.call(grouped, function (li) {
      var member = where && (" " + li.getAttribute("data-gy-group") + " ").indexOf(" " + where.s + " ") >= 0;
      li.hidden = !member;
      if (member) mine[li.getAttribute("data-gy-slot")] = true;
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-gy-slot]:not([data-gy-group])"), function (li) {
      if (mine[li.getAttribute("data-gy-slot")]) li.hidden = true;
    });
  }

  var note = document.querySelector("[data-gy-school-note]");
  if (note && where) {
    /* The school's name from the page's own list of school links (parents never see a code). */
    var name = "", own = "/weekly/schools/" + String(where.s).toLowerCase() + "/";
    Array.prototype.forEach.call(document.querySelectorAll(".gy-links a"), function (a) {
      if (a.getAttribute("href") === own) name = a.textContent;
    });
    note.querySelector("[data-gy-school-name]").textContent = name || "您的学校";
    note.hidden = false;
  }

  window.addEventListener("online", flush);
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") beacon(); });
  window.addEventListener("pagehide", beacon);
  flush();
})();
