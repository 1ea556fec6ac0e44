#!/usr/bin/env bash
# Pictures of every screen of the app at 1024x700 (a small laptop) and 1920x1080 (a desktop) for
# the README: docs/screens/1024x700/*.png and docs/screens/1920x1080/*.png.
#
# They are rendered by tests/screens.rs through egui_kittest with wgpu, the renderer the app
# itself uses (on a machine without a graphics card, Mesa's lavapipe, as ./scripts/setup
# installs), on the workshop demo review, so the pictures show the real screens on real faces.
# The test suite runs the same test into a temporary folder. Needs ./scripts/setup first.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf docs/screens
mkdir -p docs/screens
LINEUP_SCREENS_DIR="$PWD/docs/screens" cargo test --locked --test screens -- --exact \
  every_screen_is_pictured_at_a_small_laptop_and_a_desktop_size
find docs/screens -name '*.png' | sort
