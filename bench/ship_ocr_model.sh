#!/usr/bin/env bash
# Copy a finished ocr_handwritten36 run into the package as the shipped classifier (mllab/ocr/model/) and
# record its checkpoint's sha256 in mllab/ocr/classifier.py. Usage: bench/ship_ocr_model.sh RUN_FOLDER
set -euo pipefail
run=${1:?usage: bench/ship_ocr_model.sh RUN_FOLDER}
dest=mllab/ocr/model
# PROVENANCE.md (the command and summary, written by hand) stays: update it for the new run
find "$dest" -mindepth 1 ! -name PROVENANCE.md -delete 2>/dev/null || true
mkdir -p "$dest/checkpoints"
cp "$run"/{config.yaml,model.json,env.json,summary.json,metrics.jsonl} "$dest/"
cp "$run/checkpoints/best.pt" "$dest/checkpoints/"
sha=$(sha256sum "$dest/checkpoints/best.pt" | cut -d' ' -f1)
sed -i "s/^BUNDLED_SHA256 = .*/BUNDLED_SHA256 = \"$sha\"/" mllab/ocr/classifier.py
echo "shipped $run as $dest (sha256 $sha); now update $dest/PROVENANCE.md"
