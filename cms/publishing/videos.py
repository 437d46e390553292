"""Videos on the static site: only those used by live public pages are copied into
``<site>/v/<key>/<revision>/`` (from the video pipeline's outputs, local or S3 storage)."""

from __future__ import annotations

import shutil
from pathlib import Path

from .release import touched


def video_states(ids):
    """{asset id: a value that changes whenever the site's (reviewed) outputs change} — an
    output version, not the whole row, so progress heartbeats don't mark pages changed."""
    from transcoding.api import video_versions

    return video_versions(ids)


def _playback_api():
    try:
        from transcoding.api import copy_outputs, playback
    except ImportError:  # the video pipeline is not there yet: pages say the video is coming
        return None, None
    return playback, copy_outputs


def site_video(video, root: Path, copy=True):
    """Copy a video's reviewed outputs into the site and return what the player needs, or None.
    ``video``: its id (or what a page's field holds; only its id is used — everything else comes
    from ``transcoding.api.playback`` as plain data)."""
    playback, copy_outputs = _playback_api()
    video_id = getattr(video, "pk", video)
    if playback is None or video_id is None:
        return None
    info = playback(video_id, reviewed=True)
    if info is None:
        return None
    revision = info.root.strip("/").rsplit("/", 1)[-1]
    rel = f"v/{info.key}/{revision}/"
    if copy:
        dest = root / rel
        if not (dest / info.master).exists():
            copy_outputs(info, dest)
            touched(root, rel)
    url = "/" + rel
    return {
        "key": info.key, "dir": rel, "master": url + info.master,
        "audio": url + info.audio if info.audio else None,
        "poster": url + info.poster if info.poster else None,
        "captions": url + info.captions if info.captions else None,
        "width": info.width, "height": info.height, "duration": info.duration,
        # 下载收听 shows the size before the parent downloads the audio-only rendition.
        "audio_bytes": info.audio_bytes if info.audio else None,
    }


def prune_videos(root: Path, keep_dirs: set[str]):
    """Remove video folders no live page uses any more (e.g. the lesson was unpublished)."""
    base = root / "v"
    if not base.exists():
        return
    for key_dir in base.iterdir():
        for rev_dir in key_dir.iterdir() if key_dir.is_dir() else ():
            if f"v/{key_dir.name}/{rev_dir.name}/" not in keep_dirs:
                shutil.rmtree(rev_dir)
                touched(root, f"v/{key_dir.name}/{rev_dir.name}")
        if key_dir.is_dir() and not any(key_dir.iterdir()):
            key_dir.rmdir()
