#!/usr/bin/env bash
# Makes the test video clips with the ffmpeg command (Debian 12: FFmpeg 5.1) into tests/data/clips/
# (git-ignored). tests/FIXTURES.md says what each clip is and what the tests expect of it. Small
# sizes and short clips keep this to a few seconds on CI's two cores. Safe to run again: a clip
# that is already there is kept (delete tests/data/clips/ to make them anew).
set -euo pipefail
cd "$(dirname "$0")/.."
photos=tests/data/photos
clips=tests/data/clips
mkdir -p "$clips"

# make NAME FFMPEG-ARGS...: runs ffmpeg unless tests/data/clips/NAME exists; writes to a temporary
# name first, so a clip cut short by an interruption is never taken for a finished one.
make() {
  local name=$1; shift
  [ -s "$clips/$name" ] && return
  echo "making $clips/$name"
  local partial="$clips/partial.${name##*.}"
  ffmpeg -nostdin -hide_banner -loglevel error -y "$@" "$partial"
  mv "$partial" "$clips/$name"
}

# A synthetic pattern with a frame counter: 320×240, 25 fps, 3 s = 75 frames, a keyframe every
# second exactly (frames 0, 25, 50: scene-cut detection off, so the encoder adds none of its own).
testsrc=(-f lavfi -i testsrc2=size=320x240:rate=25:duration=3)
make testsrc_h264.mp4 "${testsrc[@]}" -c:v libx264 -preset veryfast -g 25 -sc_threshold 0 -pix_fmt yuv420p
make testsrc_hevc.mkv "${testsrc[@]}" -c:v libx265 -preset ultrafast -x265-params log-level=error:keyint=25:scenecut=0 -pix_fmt yuv420p
make testsrc_mjpeg.avi "${testsrc[@]}" -c:v mjpeg -q:v 5 -pix_fmt yuvj420p
make testsrc_vp9.webm "${testsrc[@]}" -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -g 25 -b:v 300k

# Known faces at known frames, 640×480 at 25 fps: obama.jpg for frames 0–24, t1.jpg (six people)
# for 25–49, black for 50–74. Each photo is scaled to fit and letterboxed with black.
fit='scale=640:480:force_original_aspect_ratio=decrease,pad=640:480:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=25'
faces=(
  -loop 1 -framerate 25 -t 1 -i "$photos/obama.jpg"
  -loop 1 -framerate 25 -t 1 -i "$photos/t1.jpg"
  -f lavfi -t 1 -i color=c=black:size=640x480:rate=25
  -filter_complex "[0:v]${fit}[a];[1:v]${fit}[b];[2:v]setsar=1[c];[a][b][c]concat=n=3:v=1:a=0,format=yuv420p[v]"
  -map '[v]' -frames:v 75
)
# faststart puts the index first, so a truncated copy still says where every frame is.
make faces_h264.mp4 "${faces[@]}" -c:v libx264 -preset veryfast -crf 20 -g 25 -sc_threshold 0 -movflags +faststart
make faces_hevc.mp4 "${faces[@]}" -c:v libx265 -preset ultrafast -crf 22 -x265-params log-level=error:keyint=25:scenecut=0 -tag:v hvc1
make faces_mjpeg.avi "${faces[@]}" -c:v mjpeg -q:v 3 -pix_fmt yuvj420p
# The same h264 with the index at the end (mp4's default): a truncated copy has no index at all.
make faces_h264_index_at_end.mp4 -i "$clips/faces_h264.mp4" -c copy

# A long run for the no-network test (ONNX Runtime's telemetry tried its network part-way through
# runs of a minute or more): the faces clip played 24 times, 72 s, at 320×240 and 5 fps (360 frames).
make long_faces_h264.mp4 -stream_loop 23 -i "$clips/faces_h264.mp4" -vf scale=320:240,fps=5 \
  -c:v libx264 -preset veryfast -crf 24 -g 10
# Filmed sideways: pixels stored turned 90° clockwise (480×640, the head points right), with a
# display matrix saying to turn them 90° counter-clockwise for display. FFmpeg 5.1 writes the matrix
# from a "rotate" tag only when copying a stream, hence the two steps; rotate=90 comes out as
# ffprobe's "rotation=90" (counter-clockwise).
make sideways.mp4 -i "$clips/faces_h264.mp4" -vf transpose=clock -c:v libx264 -preset veryfast -crf 20 -g 25
make faces_rotated.mp4 -i "$clips/sideways.mp4" -c copy -metadata:s:v:0 rotate=90

# Variable frame rate: 20 frames 0.04 s apart (0.00–0.76), then 10 frames 0.2 s apart (0.80–2.60).
make vfr_h264.mkv -f lavfi -i testsrc2=size=160x120:rate=25 -frames:v 30 \
  -vf "setpts='if(lt(N,20),N*0.04,0.8+(N-20)*0.2)/TB'" -fps_mode passthrough -c:v libx264 \
  -preset veryfast -g 10

# No video at all: two seconds of a 440 Hz tone in an mp4.
make audio_only.mp4 -f lavfi -i sine=frequency=440:duration=2 -c:a aac -b:a 64k
# A codec FFmpeg can write but not read: the Commodore 64 charset encoder (a64multi) has no decoder,
# so the stream comes back as an unknown codec ("a64m") in an otherwise valid Matroska file.
make unsupported_codec.mkv -f lavfi -i testsrc2=size=320x200:rate=5:duration=1 -c:v a64multi
