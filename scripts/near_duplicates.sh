#!/usr/bin/env bash
# Measures a recognizer's near-duplicate bound (models/manifest.ron, `near_duplicate`): how alike
# copies of one photo are (re-encoded, padded, resized, a byte added, mirrored, brightened) next
# to two different photos of one person (Barack Obama's three) and two people, on the test photos.
# Usage: scripts/near_duplicates.sh [RECOGNIZER ...]  (default: mobilefacenet dlib). Needs a built
# lineup (target/debug/lineup, or $LINEUP), ffmpeg and python3 with numpy. Prints each kind of
# pair's range on the model's own scale.
set -euo pipefail
cd "$(dirname "$0")/.."
lineup=${LINEUP:-target/debug/lineup}
photos=tests/data/photos
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/v" "$work/wl"
ff() { ffmpeg -nostdin -loglevel error -y "$@"; }
for name in obama obama2 obama3 biden; do
  f=$photos/$name.jpg
  cp "$f" "$work/v/${name}_orig.jpg"
  ff -i "$f" -q:v 8 "$work/v/${name}_q8.jpg"
  ff -i "$f" -q:v 2 "$work/v/${name}_q2.jpg"
  ff -i "$f" "$work/v/${name}_png.png"
  ff -i "$f" -vf "pad=iw+80:ih+80:40:40:white" "$work/v/${name}_pad.png"
  ff -i "$f" -vf "scale=iw/2:-2" "$work/v/${name}_half.png"
  ff -i "$f" -vf "scale=iw*3/4:-2" "$work/v/${name}_3q.jpg"
  ff -i "$f" -vf "scale=iw*3/2:-2" "$work/v/${name}_big.png"
  ff -i "$f" -vf hflip "$work/v/${name}_flip.png"
  ff -i "$f" -vf "lutrgb=r=min(val+25\,255):g=min(val+25\,255):b=min(val+25\,255)" "$work/v/${name}_bright.png"
  cp "$f" "$work/v/${name}_byte.jpg"
  printf '\0' >>"$work/v/${name}_byte.jpg"
done
cp "$photos/astronaut.png" "$work/wl/Eileen_Collins_1.png"
for recognizer in "${@:-mobilefacenet dlib}"; do
  for r in $recognizer; do
    "$lineup" analyze --footage "$work/v" --watchlist "$work/wl" --recognizer "$r" --no-cache \
      --out "$work/$r.ron" >/dev/null 2>&1
    python3 - "$work/$r.ron" "$r" <<'PY'
import glob, itertools, re, sys
import numpy as np
ron, name = sys.argv[1], sys.argv[2]
text = open(ron).read()
euclidean = "metric: Some(Euclidean)" in text
inputs = re.findall(r'\(\s*path: "([^"]*)"', text)
npz = np.load(glob.glob(ron + ".faces-*.npz")[0])
faces = {}
for face, source in enumerate(npz["face_sources.npy"][:, 0]):
    faces.setdefault(int(source), []).append(face)
embeddings = npz["face_embeddings.npy"]
photo = {inputs[i].split("/")[-1]: embeddings[f[0]] for i, f in faces.items() if len(f) == 1}
score = (lambda a, b: float(np.linalg.norm(a - b))) if euclidean else (lambda a, b: float(a @ b))
kinds = {}
for a, b in itertools.combinations(sorted(photo), 2):
    (pa, va), (pb, vb) = a.split("_", 1), b.split("_", 1)
    if pa == pb and (va.startswith("orig") or vb.startswith("orig")):
        kind = "copy: " + (vb if va.startswith("orig") else va).split(".")[0]
    elif pa == pb:
        continue
    elif pa.startswith("obama") and pb.startswith("obama"):
        kind = "one person, two photos" + (" (originals)" if "orig" in va + vb and va.startswith("orig") and vb.startswith("orig") else "")
    else:
        kind = "two people"
    kinds.setdefault(kind, []).append(score(photo[a], photo[b]))
print(f"{name} ({'Euclidean distance' if euclidean else 'cosine similarity'}), {len(photo)} photos with one face")
for kind, values in sorted(kinds.items()):
    print(f"  {kind:<36} {min(values):.3f} to {max(values):.3f} ({len(values)} pairs)")
PY
  done
done
