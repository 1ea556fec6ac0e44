#!/usr/bin/env bash
# Screenshots of each main screen of the real lineup binary, in a real window under Xvfb, for
# the README (docs/screens/*.png). Needs: apt-get install xvfb xauth imagemagick
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in xvfb-run import; do
  command -v "$tool" >/dev/null || { echo "needs $tool: apt-get install xvfb xauth imagemagick" >&2; exit 1; }
done
cargo build --quiet
bin=target/debug/lineup
review=$("$bin" demo --prepare)
mkdir -p docs/screens
for tab in faces footage watchlist thresholds base-rates; do
  xvfb-run -a -s "-screen 0 1280x720x24" bash -c "
    '$bin' open '$review' --tab $tab 2>/dev/null &
    sleep 10
    import -window root docs/screens/$tab.png
    kill %1"
  echo "docs/screens/$tab.png"
done
