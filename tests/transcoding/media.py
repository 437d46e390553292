"""Small real media files made with ffmpeg for the pipeline tests (a few seconds each)."""

import subprocess


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True, capture_output=True)


def video(path, *, seconds=2, size="320x240", rate=25, audio=True, codec="libx264", pix_fmt="yuv420p",
          extra=(), container_args=()):
    inputs = ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}"]
    if audio:
        inputs += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    codecs = ["-c:v", codec, "-pix_fmt", pix_fmt, "-preset", "ultrafast"] if codec.startswith("libx26") else ["-c:v", codec]
    ffmpeg(*inputs, *codecs, *(["-c:a", "aac"] if audio else []), *extra, *container_args, str(path))
    return path


def rotate_mp4(path, degrees):
    """Write a display matrix into the first track header, as phones do for portrait video
    (Debian's ffmpeg 5.1 has no option to write one)."""
    import struct

    one, minus_one = 0x10000, 0xFFFF0000  # 16.16 fixed point
    matrices = {
        90: (0, one, 0, minus_one, 0, 0, 0, 0, 0x40000000),
        180: (minus_one, 0, 0, 0, minus_one, 0, 0, 0, 0x40000000),
        270: (0, minus_one, 0, one, 0, 0, 0, 0, 0x40000000),
    }
    data = bytearray(path.read_bytes())
    at = data.index(b"tkhd")
    version = data[at + 4]
    # after type: version+flags (4), times/track id/duration (20 or 32), reserved+layer+group+volume (16)
    matrix_at = at + 4 + 4 + (20 if version == 0 else 32) + 16
    data[matrix_at:matrix_at + 36] = struct.pack(">9I", *matrices[degrees])
    path.write_bytes(bytes(data))
    return path
