"""The ffmpeg command lines of the pipeline, built with ffmpeg-python (no process is run here).

The whole ladder is one ffmpeg process (``one_pass``): it decodes the source once, splits the
picture and scales it per rung, encodes every rung with x264 and the one shared AAC track (also the
听教育 audio-only rendition), and writes each as HLS. In the pipeline (``growing=True``) the media
playlists are EVENT playlists that grow segment by segment, so the lowest rung is playable after its
first segment; the pipeline turns them into VOD playlists when ffmpeg ends (pipeline.py).

Every setting comes from one frozen ``ladder.Encoding``; ``recipe()`` is the machine-independent
text of the command that the ladder revision hashes.

Every rung has a keyframe exactly every segment (a constant output frame rate, a fixed GOP and no
scene-cut keyframes), so segment boundaries line up across rungs and players switch cleanly.
"""

import ffmpeg

GLOBAL_ARGS = ("-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-progress", "pipe:1", "-y")


def _video_branches(source, rungs, fps):
    picture = source.video.filter("fps", fps=fps)
    branches = picture.filter_multi_output("split", len(rungs)) if len(rungs) > 1 else None
    for index, rung in enumerate(rungs):
        stream = branches[index] if branches is not None else picture
        yield stream.filter("scale", rung.width, rung.height, flags="bicubic").filter("format", "yuv420p")


def _video_options(rungs, fps, encoding):
    segment = encoding.segment_seconds
    gop = max(1, int(round(fps * segment)))
    options = {
        "c:v": "libx264",
        "preset": encoding.preset,
        "crf": encoding.crf,
        "g": gop,
        "keyint_min": gop,
        "sc_threshold": 0,
        "force_key_frames": f"expr:gte(t,n_forced*{segment})",
    }
    if encoding.tune:
        options["tune"] = encoding.tune
    if encoding.x264_threads:
        options["threads"] = encoding.x264_threads
    params = [f"rc-lookahead={encoding.rc_lookahead}"] if encoding.rc_lookahead else []
    params += [item for item in encoding.x264_params.split(":") if item]
    if params:
        options["x264-params"] = ":".join(params)
    for index, rung in enumerate(rungs):
        if rung.preset and rung.preset != encoding.preset:
            # a per-stream option after the global one wins for that encoder only
            options[f"preset:v:{index}"] = rung.preset
        options[f"profile:v:{index}"] = rung.profile
        options[f"maxrate:v:{index}"] = f"{rung.video_kbps}k"
        options[f"bufsize:v:{index}"] = f"{rung.video_kbps}k"
    return options


def _hls_options(out_dir, stream_map, encoding, growing=False):
    """``growing``: EVENT playlists rewritten after every segment (each written to a temporary file
    and renamed, like the segments, so a reader never sees half a file); else VOD playlists written
    at the end."""
    return {
        "f": "hls",
        "hls_time": encoding.segment_seconds,
        "hls_playlist_type": "event" if growing else "vod",
        "hls_segment_type": "mpegts",
        "hls_flags": "independent_segments+temp_file" if growing else "independent_segments",
        "hls_segment_filename": f"{out_dir}/%v/seg_%05d.ts",
        "var_stream_map": stream_map,
    }


def _input(source_path, decode_threads):
    return ffmpeg.input(str(source_path), **({"threads": decode_threads} if decode_threads else {}))


def _audio_options(encoding):
    return {"c:a": "aac", "b:a": f"{encoding.audio_kbps}k", "ac": 1, "ar": 44100}


def one_pass(source_path, out_dir, rungs, fps, with_audio, encoding, decode_threads=None, growing=False):
    """``rungs`` (+ the shared audio) in one ffmpeg: one decode → out_dir/<rung>/, out_dir/audio/.
    ``growing``: the pipeline's command (EVENT playlists that grow while it runs); without it, the
    same encode with VOD playlists written at the end (the benchmark's anchor; its per-rung and
    two-pass baselines call it with some of the rungs)."""
    source = _input(source_path, decode_threads)
    streams = list(_video_branches(source, rungs, fps))
    stream_map = " ".join(f"v:{index},name:{rung.name}" for index, rung in enumerate(rungs))
    options = _video_options(rungs, fps, encoding)
    if with_audio:
        streams.append(source["a:0"])
        stream_map += " a:0,name:audio"
        options.update(_audio_options(encoding))
    else:
        options["an"] = None
    options.update(_hls_options(out_dir, stream_map, encoding, growing))
    return ffmpeg.output(*streams, f"{out_dir}/%v/index.m3u8", **options).global_args(*GLOBAL_ARGS).compile()


def recipe(facts, encoding):
    """The command line that encodes a source with these facts, without paths or this machine's
    decoder threads (they do not change the output): what the ladder revision hashes."""
    from .ladder import output_frame_rate, plan_rungs

    rungs = plan_rungs(facts, encoding)
    fps = output_frame_rate(facts, encoding)
    return [one_pass("SOURCE", "OUT", rungs, fps, facts.has_audio, encoding, growing=True),
            {"rotation": facts.rotation, "display_size": list(facts.display_size)}]


def poster(source_path, out_path, duration, width, height):
    """A representative frame (ffmpeg's thumbnail filter over frames a fifth of the way in)."""
    at = max(0.0, min(duration * 0.2, duration - 1.0))
    return (
        ffmpeg.input(str(source_path), ss=f"{at:.3f}")
        .video.filter("thumbnail", 25)
        .filter("scale", width, height)
        .output(str(out_path), vframes=1, **{"q:v": 3, "update": 1})
        .global_args("-hide_banner", "-nostdin", "-loglevel", "error", "-y")
        .compile()
    )
