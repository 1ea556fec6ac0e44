#!/usr/bin/env bash
# Makes docs/example-report/page-N.png: every page of a complete example impact assessment, the
# pictures linked from README.md.
#
# The review is the workshop demo's (src/demo.rs): the generated clip in which Barack Obama
# passes the camera in the first second and six other people after him, and three photos,
# against a watchlist of Barack Obama and Joe Biden, labelled the demo's way (Obama in the clip's
# first second and in obama3.jpg, everyone else not on the watchlist) through `lineup labels`.
# Every section of the assessment is then written with `lineup assess` (example text, said to be
# so), and the signed bundle is exported with `lineup report`; pdftoppm draws each page.
# Needs ./scripts/setup first (test photos and clips, ONNX Runtime, poppler-utils).
set -euo pipefail
cd "$(dirname "$0")/.."
# A fixed folder given by a relative path, so that the paths the report records are the same on
# every run and name nothing of this machine.
work=target/example-report
rm -rf "$work"
mkdir -p "$work"

cargo build --quiet --bin lineup
lineup=target/debug/lineup
photos=tests/data/photos

mkdir "$work/watchlist"
cp "$photos/obama2.jpg" "$work/watchlist/Barack_Obama_1.jpg"
cp "$photos/biden.jpg" "$work/watchlist/Joe_Biden_1.jpg"
"$lineup" analyze --footage tests/data/clips/faces_h264.mp4 "$photos/obama3.jpg" \
  "$photos/crowd.jpg" "$photos/astronaut.png" \
  --watchlist "$work/watchlist" --out "$work/review.ron" >/dev/null

# The demo's labels: Obama in the clip's first 25 frames and in obama3.jpg, nobody else.
"$lineup" labels export "$work/review.ron" "$work/labels.csv"
python3 - "$work/labels.csv" <<'EOF'
import csv, sys
path = sys.argv[1]
with open(path, newline="") as f:
    rows = list(csv.DictReader(f))
for row in rows:
    name = row["input"].rsplit("/", 1)[-1]
    obama = name.startswith("obama") or (name == "faces_h264.mp4" and int(row["first_frame"]) < 25)
    row["label"] = "watchlist:Barack Obama" if obama else "not_on_watchlist"
with open(path, "w", newline="") as f:
    writer = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
    writer.writeheader()
    writer.writerows(rows)
EOF
"$lineup" labels import "$work/review.ron" "$work/labels.csv" >/dev/null

example() { printf 'Example text: %s' "$1"; }
"$lineup" assess "$work/review.ron" \
  --title "Impact assessment: live facial recognition at Central Station (example)" \
  --section "system=$(example 'the vendor would supply "FaceWatch Live 4.2" (a made-up product); its own error rates have not been measured yet.')" \
  --purpose "$(example 'the police propose cameras at the two station entrances on match days, searching passers-by against a watchlist of people wanted for violent offences.')" \
  --legal-basis "$(example 'law enforcement processing of biometric data, strictly necessary for the prevention of serious crime; the question is whether that necessity is shown.')" \
  --section "deployment=$(example 'two cameras at the north and south entrances, live, from two hours before kick-off to one hour after, on about 20 match days a year.')" \
  --section "watchlist=$(example 'people wanted on warrant for violent offences, from custody images under 3 years old; about 400 people; each entry approved by an inspector and removed when the warrant is executed.')" \
  --section "people-affected=$(example 'about 20,000 passers-by per match day, most of them fans and commuters; people on the watchlist; groups for whom the measured error rates may be higher.')" \
  --section "findings=$(example 'the labelled searches are few, so every interval is wide; no group difference can be claimed or ruled out.')" \
  --section "necessity=$(example 'officers with printed photos were considered and found slower; the trial is proportionate only if false alerts stay below one a day.')" \
  --section "human-review=$(example 'a trained officer compares every alert with the enrolment photo before anyone is approached; nobody is stopped on a match alone.')" \
  --section "retention=$(example 'faces without an alert are deleted at once; alerts and their logs after 31 days unless needed for a case.')" \
  --section "rights=$(example 'signs at each entrance and a web page explain the cameras; complaints go to the professional standards department, then to the regulator.')" \
  --section "consultation=$(example 'the DPO advised on 2025-05-12; a public meeting was held on 2025-05-20; an equality impact assessment is attached.')" \
  --section "residual-risk=$(example 'with every alert checked by an officer and the watchlist limited, the risk of a wrongful stop remains significant until the vendor system is measured; not acceptable before then.')" \
  --section "security=$(example 'the watchlist and alert logs are encrypted at rest, reachable only by the two named operators; every access is logged and the log audited monthly; a breach is reported to the DPO within 24 hours.')" \
  --section "prior-consultation=$(example 'the residual risk is high until the vendor system is measured, so the data protection authority will be consulted before any deployment (GDPR Art. 36).')" \
  --section "authority-notification=$(example 'the results of this assessment will be notified to the national market-surveillance authority with its template before first use (AI Act Art. 27(3)).')" \
  --section "reviewer-date=2025-06-30" --adopt-mitigations \
  --people-per-day 20000 --deployed-watchlist-size 400 \
  --action "$(example 'measure the vendor system per group on local footage')|Head of operations|2025-08-31" \
  --action "$(example 'publish the watchlist criteria')|Data protection officer|2025-07-31" \
  --decision deploy-with-conditions \
  --recommendation "$(example 'only after the vendor system is measured per group on local footage, with a human check of every alert.')" \
  --reviewer-name "Example Reviewer" --reviewer-role "Data protection officer" --date 2025-06-30 \
  --section "approver=Example Approver, Chief Superintendent" \
  --section "sign-off-date=2025-06-30" --section "review-date=2026-01-07" \
  --sign-off-decision do-not-deploy \
  --risk 1:3:4 --risk 2:3:3 --risk 3:2:2 --risk 4:3:4 --risk 5:4:1 >/dev/null

export LINEUP_KEY_PASSWORD="example only: amber kettle rides"
"$lineup" keygen "$work/example.key" >/dev/null
SOURCE_DATE_EPOCH=1751284800 "$lineup" report "$work/review.ron" --key "$work/example.key" \
  --out "$work/bundle" >/dev/null

rm -rf docs/example-report
mkdir -p docs/example-report
pdftoppm -r 60 -png "$work/bundle/assessment.pdf" docs/example-report/page
cp "$work/bundle/assessment.md" docs/example-report/assessment.md
echo "wrote $(ls docs/example-report | wc -l) files in docs/example-report"
