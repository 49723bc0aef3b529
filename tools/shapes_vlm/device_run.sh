#!/usr/bin/env bash
# The whole pipeline in one command on the GPU machine: train -> evaluate -> export -> verify.
#   bash tools/shapes_vlm/device_run.sh MODE STEPS MINUTES BATCH COMPILE [CHECK_ITEMS ONNX_EVAL_SECONDS]
# MODE is full or smoke (smaller check set, shorter ONNX eval). Everything lands in .scratch/run
# and is collected into $OUT (checkpoint, ONNX files, one tar with logs, package and fixtures).
set -uo pipefail
export PYTHONUNBUFFERED=1
MODE=${1:-full}; STEPS=${2:-6000}; MINUTES=${3:-7}; BATCH=${4:-256}; COMPILE=${5:-0}
OUT=${OUT:-.scratch/out}
RUN=.scratch/run
mkdir -p "$OUT" "$RUN"
CHECK=3000; ORT_S=70
if [ "$MODE" = smoke ]; then CHECK=300; ORT_S=15; fi
CHECK=${6:-$CHECK}; ORT_S=${7:-$ORT_S}

collect() {
  cp "$RUN"/ckpt_vision.pt "$RUN"/ckpt_lm.pt "$OUT"/ 2>/dev/null
  for f in vision.onnx decoder.onnx decoder.noq.onnx; do cp "$RUN/pkg/$f" "$OUT/" 2>/dev/null; done
  tar -czf "$OUT/small.tgz" -C "$RUN" --exclude='*.pt' --exclude='vision.onnx' --exclude='decoder.onnx' \
    --exclude='decoder.noq.onnx' . 2>/dev/null
  ls -la "$OUT"
}
trap collect EXIT

nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
python3 -c 'import torch, onnx, onnxruntime, tokenizers; print(torch.__version__, onnx.__version__, onnxruntime.__version__, tokenizers.__version__)'
python3 -m tools.shapes_vlm.train --out "$RUN" --steps "$STEPS" --max-minutes "$MINUTES" --batch "$BATCH" --compile "$COMPILE" \
  || { echo "TRAIN FAILED"; exit 1; }
python3 -m tools.shapes_vlm.evaluate --ckpt "$RUN" --out "$RUN/eval.json" --check "$CHECK" --preds "$RUN/preds.jsonl" \
  || echo "EVALUATE FAILED"
python3 -m tools.shapes_vlm.export --ckpt "$RUN" --out "$RUN/pkg" || { echo "EXPORT FAILED"; exit 1; }
PREDS=(); [ -f "$RUN/preds.jsonl" ] && PREDS=(--preds "$RUN/preds.jsonl")
python3 -m tools.shapes_vlm.verify --ckpt "$RUN" --pkg "$RUN/pkg" --fixtures "$RUN/fixtures" "${PREDS[@]}" \
  --ort-eval-seconds "$ORT_S" || echo "VERIFY FAILED"
