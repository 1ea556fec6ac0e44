#!/usr/bin/env bash
# Makes docs/report-first-page.png, the picture of a report's first page in README.md.
#
# Analyses two of the test photos, writes an example assessment text with `lineup assess`,
# and exports it with the labelled TEST FIXTURE (tests/common/labelled.rs: synthetic scores,
# and the report says so) through examples/labelled_report.rs; then pdftoppm draws page 1.
# Needs ./scripts/setup first (test photos, ONNX Runtime, poppler-utils).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --quiet --bin lineup --example labelled_report
lineup=target/debug/lineup
photos=tests/data/photos

mkdir "$work/watchlist"
cp "$photos/obama.jpg" "$work/watchlist/Barack_Obama_1.jpg"
cp "$photos/biden.jpg" "$work/watchlist/Joe_Biden_1.jpg"
"$lineup" analyze --footage "$photos/obama2.jpg" "$photos/t1.jpg" \
  --watchlist "$work/watchlist" --out "$work/review.ron" >/dev/null

export LINEUP_KEY_PASSWORD="screenshot only: amber kettle rides"
"$lineup" keygen "$work/example.key" >/dev/null
"$lineup" assess "$work/review.ron" \
  --title "Impact assessment: live facial recognition at Central Station (example)" \
  --purpose "Example text: the police propose cameras at the station entrances on match days, searching passers-by against a watchlist of people wanted for violent offences." \
  --legal-basis "Example text: is the deployment necessary and proportionate, and are its errors shared fairly?" \
  --decision deploy-with-conditions \
  --recommendation "Example text: only with a human check of every alert, and after measuring error rates per group on local footage." \
  --reviewer-name "Example Reviewer" --reviewer-role "Data protection officer" --date 2025-06-30 \
  --risk 1:3:4 --risk 2:3:3 --risk 3:2:2 --risk 4:3:4 --risk 5:4:1 >/dev/null
SOURCE_DATE_EPOCH=1751284800 target/debug/examples/labelled_report \
  "$work/review.ron" "$work/example.key" "$work/bundle" >/dev/null

mkdir -p docs
pdftoppm -f 1 -l 1 -r 80 -png -singlefile "$work/bundle/assessment.pdf" docs/report-first-page
echo "wrote docs/report-first-page.png"
