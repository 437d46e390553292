"""The ladder played by Debian's chromium: through hls.js (as the parent site does where the browser
has no native HLS), natively where chromium says it can, and the 听教育 audio-only rendition."""

import functools
import http.server
import shutil
import threading
from pathlib import Path

import pytest

from tests.transcoding.media import video
from transcoding.outputs import FolderSink
from transcoding.pipeline import transcode
from transcoding.validation import validate_video

REPO = Path(__file__).resolve().parents[2]
HLS_JS = REPO / "site" / "overrides" / "assets" / "javascripts" / "hls.min.js"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--autoplay-policy=no-user-gesture-required"]

PAGE = """<!doctype html><meta charset="utf-8"><title>player</title>
<video id="v" muted playsinline preload="none" poster="ladder/poster.jpg" width="320"></video>
<audio id="a" muted preload="none"></audio>
<script src="hls.min.js"></script>
<script>
window.errors = [];
window.play = function (elementId, url, useHls, config) {
  const media = document.getElementById(elementId);
  if (useHls) {
    const hls = new Hls(Object.assign({ startLevel: 0 }, config || {}));
    hls.on(Hls.Events.ERROR, (e, data) => { if (data.fatal) window.errors.push(data.details); });
    hls.on(Hls.Events.MANIFEST_PARSED, (e, data) => { window.levels = data.levels.map(l => l.height); });
    window.fragLevels = [];
    hls.on(Hls.Events.FRAG_LOADED, (e, data) => { if (data.frag.type === "main") window.fragLevels.push(data.frag.level); });
    hls.loadSource(url);
    hls.attachMedia(media);
    window.hls = hls;
  } else {
    media.src = url;
  }
  media.addEventListener("error", () => window.errors.push("media error " + (media.error && media.error.code)));
  return media.play().then(() => "playing", (e) => "play() refused: " + e);
};
</script>"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served_ladder(tmp_path_factory):
    root = tmp_path_factory.mktemp("player")
    source = video(root / "lesson.mp4", seconds=12, size="854x480")
    transcode(source, root / "work", validate_video(source), FolderSink(root / "ladder"))
    # a ladder as the admin preview finds it while ffmpeg still runs: the sink's folder copied the
    # moment the video became playable (growing EVENT playlists, no #EXT-X-ENDLIST yet)
    minute = video(root / "minute.mp4", seconds=60, size="854x480", rate=10)

    def snapshot(progress):
        if progress.playable and progress.phase != "done" and not (root / "growing").exists():
            shutil.copytree(root / "minute-ladder", root / "growing")

    transcode(minute, root / "work", validate_video(minute), FolderSink(root / "minute-ladder"), on_progress=snapshot)
    shutil.copy(HLS_JS, root / "hls.min.js")
    (root / "index.html").write_text(PAGE, encoding="utf-8")
    handler = functools.partial(QuietHandler, directory=str(root))
    handler.extensions_map = {**QuietHandler.extensions_map, ".m3u8": "application/vnd.apple.mpegurl",
                              ".ts": "video/mp2t"}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="module")
def page(served_ladder):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser, served_ladder
        browser.close()


def open_player(browser, url):
    tab = browser.new_page()
    outside = []
    tab.on("request", lambda r: outside.append(r.url)
           if not r.url.startswith((url, "blob:", "data:")) else None)
    tab.goto(url + "index.html")
    return tab, outside


def advances(tab, element_id, seconds=1.5):
    tab.wait_for_function(f"document.getElementById('{element_id}').currentTime > {seconds}", timeout=20000)
    return tab.evaluate(f"document.getElementById('{element_id}').currentTime")


def test_hls_js_plays_the_ladder_starting_low(page):
    browser, url = page
    tab, outside = open_player(browser, url)
    assert tab.evaluate("play('v', 'ladder/master.m3u8', true)") == "playing"
    assert advances(tab, "v") > 1.5
    assert tab.evaluate("window.levels") == [240, 360]
    assert tab.evaluate("window.fragLevels[0]") == 0  # the first picture comes from the 240p rung
    assert tab.evaluate("window.errors") == []
    assert outside == []
    tab.close()


def test_the_audio_only_rendition_plays_alone(page):
    browser, url = page
    tab, _ = open_player(browser, url)
    assert tab.evaluate("play('a', 'ladder/audio/index.m3u8', true)") == "playing"
    assert advances(tab, "a") > 1.5
    assert tab.evaluate("window.errors") == []
    tab.close()


def test_native_hls_where_chromium_has_it(page):
    browser, url = page
    tab, _ = open_player(browser, url)
    if not tab.evaluate("document.createElement('video').canPlayType('application/vnd.apple.mpegurl')"):
        tab.close()
        pytest.skip("this chromium build has no native HLS; the site uses hls.js there (tested above)")
    assert tab.evaluate("play('v', 'ladder/master.m3u8', false)") == "playing"
    assert advances(tab, "v") > 1.5
    assert tab.evaluate("window.errors") == []
    tab.close()


def test_hls_js_plays_a_ladder_that_is_still_growing_from_its_start(page):
    import urllib.request

    browser, url = page
    with urllib.request.urlopen(url + "growing/240p/index.m3u8", timeout=30) as response:
        playlist = response.read().decode()
    assert "#EXT-X-PLAYLIST-TYPE:EVENT" in playlist and "#EXT-X-ENDLIST" not in playlist
    tab, outside = open_player(browser, url)
    # the admin preview's setting (video_player.js): from the start, not from the growing end
    assert tab.evaluate("play('v', 'growing/master.m3u8', true, { startPosition: 0 })") == "playing"
    assert advances(tab, "v") > 1.5
    assert tab.evaluate("window.hls.levels[window.hls.currentLevel].details.live") is True  # no ENDLIST yet
    assert tab.evaluate("window.errors") == [] and outside == []
    tab.close()
