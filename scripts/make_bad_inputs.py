#!/usr/bin/env python3
"""Make the bad-input corpus in tests/data/bad/ (git-ignored): files lineup must refuse with a
clear message naming them, or accept with a warning, and never crash on.

tests/bad_input_corpus.rs runs every file here through the `lineup` binary; tests/FIXTURES.md says
where each comes from. Uses the standard library, the ffmpeg command, and Pillow where it is on
PYTHONPATH (./scripts/setup puts vendor/python there) for the three odd-but-usable images that need
an image library. Inputs: the test photos and clips set-up made, and tests/fixtures/review_v1.ron.

Safe to run again: it does nothing when tests/data/bad/ is complete (delete the folder to remake it).
Everything is written into a temporary folder first and renamed at the end, so an interrupted run
never leaves a half-made corpus that looks finished.
"""
import io
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path

root = Path(__file__).resolve().parent.parent
data = root / "tests/data"
photos = data / "photos"
clips = data / "clips"
fixture = root / "tests/fixtures/review_v1.ron"
target = data / "bad"

# Reproducible "random" bytes: the same corpus on every machine.
rng = random.Random(8)


def noise(length):
    return bytes(rng.randrange(256) for _ in range(length))


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def png_claiming_size(width, height):
    """A valid 1×1 black PNG whose header claims width × height: for more than 1×1, a decoder that
    trusts it would try to allocate gigabytes."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x00\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def images(out):
    obama = (photos / "obama.jpg").read_bytes()
    (out / "not_an_image.jpg").write_bytes(b"This is a text file, not a photo.\n")
    (out / "empty.jpg").write_bytes(b"")
    (out / "truncated.jpg").write_bytes(obama[: len(obama) * 6 // 10])
    (out / "huge_20000x20000.png").write_bytes(png_claiming_size(20000, 20000))
    (out / "tiny_1x1.png").write_bytes(png_claiming_size(1, 1))
    (out / "cut_header.png").write_bytes((out / "tiny_1x1.png").read_bytes()[:20])
    (out / "random_bytes.png").write_bytes(b"\x89PNG\r\n\x1a\n" + noise(4096))
    (out / "jpeg_header_then_noise.jpg").write_bytes(obama[:600] + noise(8192))
    # Unicode and spaces in the name: the message must quote the name as it is.
    (out / "ünïcödé näme 写真 (copy).jpg").write_bytes(b"not a photo either\n")
    shutil.copy(photos / "obama2.jpg", out / "good photo – ünïcödé 写真.jpg")
    # Odd but usable: 16-bit RGB (ffmpeg), grayscale and alpha (Pillow).
    ffmpeg("-i", str(photos / "obama.jpg"), "-pix_fmt", "rgb48be", str(out / "rgb16.png"))
    from PIL import Image
    with Image.open(photos / "obama.jpg") as photo:
        photo.convert("L").save(out / "grayscale.jpg", quality=90)
        photo.convert("RGBA").save(out / "alpha.png")


def videos(out):
    faces = (clips / "faces_h264.mp4").read_bytes()
    # One black 12000×9000 MJPEG frame (108 megapixels, over the 100-megapixel budget): a real,
    # small file whose frames lineup must refuse before decoding.
    ffmpeg("-f", "lavfi", "-i", "color=c=black:s=12000x9000", "-frames:v", "1", "-c:v", "mjpeg",
           str(out / "huge_12000x9000.avi"))
    (out / "empty.mp4").write_bytes(b"")
    (out / "random.mp4").write_bytes(noise(65536))
    (out / "header_only.mp4").write_bytes(faces[:2048])
    (out / "cut_at_10_percent.mp4").write_bytes(faces[: len(faces) // 10])
    (out / "text_named.mkv").write_bytes(b"This is a text file, not a video.\n")
    shutil.copy(clips / "audio_only.mp4", out / "audio_only.mp4")
    (out / "vidéo cassée 動画.mp4").write_bytes(noise(4096))


def reviews(out):
    text = fixture.read_text(encoding="utf-8")
    (out / "not_ron.ron").write_text("This is a text file, not a review.\n")
    (out / "empty.ron").write_text("")
    (out / "binary.ron").write_bytes(b"\xff\xfe" + noise(512))
    (out / "future_version.ron").write_text(text.replace("schema_version: 1,", "schema_version: 99,", 1))
    (out / "malformed.ron").write_text(text.replace("threshold: 0.6,", "threshold: sixty,", 1))
    (out / "truncated.ron").write_text(text[: len(text) // 2])
    dangling, count = re.subn(r"input: 0,", "input: 57,", text, count=1)
    assert count == 1, "the fixture has no detection in input 0"
    (out / "dangling_input.ron").write_text(dangling)
    (out / "ünïcödé review.ron").write_text("ReviewDocument(schema_version: 1")


def csvs(out):
    (out / "empty.csv").write_text("")
    (out / "binary.csv").write_bytes(b"\xff\xfe" + noise(256))
    (out / "no_track_column.csv").write_text("label\nnot_a_face\n")
    (out / "unknown_column.csv").write_text("track,label,shoe_size\n0,not_a_face,44\n")
    (out / "track_not_a_number.csv").write_text("track,label\nzero,not_a_face\n")
    (out / "no_such_track.csv").write_text("track,label\n9999,not_a_face\n")
    (out / "bad_label.csv").write_text("track,label\n0,maybe\n")
    (out / "unknown_identity.csv").write_text("track,label\n0,watchlist:Nobody At All\n")
    (out / "bad_attribute.csv").write_text("track,label,skin\n0,not_a_face,purple\n")
    (out / "ragged.csv").write_text("track,label\n0,not_a_face,extra\n")
    # A stray quote swallows the rest of the file into one field.
    (out / "unclosed_quote.csv").write_text('track,label\n0,"not_a_face\n1,not_a_face\n')
    # Odd but usable: a byte-order mark and Windows line ends, as spreadsheets write them.
    (out / "bom_crlf.csv").write_bytes("\ufefftrack,label\r\n0,not_a_face\r\n".encode("utf-8"))
    (out / "ünïcödé labels.csv").write_text("track,label\n0,maybe not\n")


def zip_of(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in entries:
            archive.writestr(name, body)
    return buffer.getvalue()


def bundles(out):
    (out / "not_a_zip.zip").write_text("This is a text file, not a bundle.\n")
    (out / "empty.zip").write_bytes(b"")
    (out / "random.zip").write_bytes(b"PK\x03\x04" + noise(2048))
    (out / "no_manifest.zip").write_bytes(zip_of([("bundle/report.pdf", b"%PDF-1.7\n")]))
    (out / "no_signature.zip").write_bytes(zip_of([("bundle/manifest", b"")]))
    (out / "garbage_signature.zip").write_bytes(
        zip_of([("bundle/manifest", b"0" * 64 + b"  report.pdf\n"), ("bundle/manifest.minisig", noise(200))]))
    (out / "escaping_names.zip").write_bytes(
        zip_of([("../manifest", b"x\n"), ("/etc/manifest.minisig", b"untrusted comment: x\n")]))
    valid = zip_of([("bundle/manifest", b"")])
    (out / "cut_zip.zip").write_bytes(valid[: len(valid) // 2])
    (out / "empty folder bundle").mkdir()


def main():
    for needed in (photos / "obama.jpg", clips / "faces_h264.mp4", clips / "audio_only.mp4", fixture):
        if not needed.is_file():
            sys.exit(f"error: {needed} is missing: run ./scripts/setup first")
    if (target / ".complete").is_file():
        return
    data.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".bad-partial-", dir=data))
    try:
        for kind, make in (("images", images), ("videos", videos), ("reviews", reviews), ("csv", csvs),
                           ("bundles", bundles)):
            (work / kind).mkdir()
            make(work / kind)
    except BaseException:
        shutil.rmtree(work)
        raise
    (work / ".complete").write_text("made by scripts/make_bad_inputs.py\n")
    work.chmod(0o755)
    if target.exists():
        shutil.rmtree(target)
    work.rename(target)
    count = sum(1 for p in target.rglob("*") if p.parent != target and p.name != ".complete")
    print(f"made {count} bad inputs in {target.relative_to(root)}", file=sys.stderr)


if __name__ == "__main__":
    main()
