"""Export a full-size LLaVA-1.6 with random weights (the real configuration, every layer) — for
measuring the runtime at the paper's scale where no weights can be downloaded.

    python3 -m tools.hf.export_random_full --decoder mistral --out DIR [--dtype fp16] [--device cuda]
        [--image-out sq.png]

The model is initialised directly on `--device` in `--dtype` (a 7B model initialises in seconds on a
GPU) and exported with tools/export_hf.py; `--image-out` writes a 672x672 test picture whose prompt
gives ~2,930 image tokens (576 base + 48 x 48 grid + 48 newlines).
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from tools.export_hf import export_llava
from tools.hf.verify_llava import test_image
from tools.hf.verify_llava_next import build_next_processor, next_config, template_for


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--decoder", choices=("mistral", "vicuna"), default="mistral")
    ap.add_argument("--out", required=True)
    ap.add_argument("--dtype", choices=("fp16", "fp32"), default="fp16")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--text-layers", type=int, default=32)
    ap.add_argument("--vision-layers", type=int, default=24)
    ap.add_argument("--max-length", type=int, default=None)
    ap.add_argument("--image-out", default=None)
    a = ap.parse_args()
    from transformers import LlavaNextForConditionalGeneration

    t0 = time.time()
    torch.manual_seed(0)
    config = next_config(a.decoder, a.text_layers, a.vision_layers)
    dtype = {"fp16": torch.float16, "fp32": torch.float32}[a.dtype]
    prev = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    with torch.device(a.device):
        model = LlavaNextForConditionalGeneration(config).eval()
    torch.set_default_dtype(prev)
    params = sum(p.numel() for p in model.parameters())
    t_init = time.time() - t0
    processor = build_next_processor(config, decoder=a.decoder)
    manifest = export_llava(model, processor, Path(a.out), dtype=a.dtype, max_length=a.max_length,
                            name=f"llava-v1.6-{a.decoder}-7b-random", template=template_for(a.decoder), force=True)
    if a.image_out:
        test_image(672, 672).save(a.image_out)
    print(json.dumps({"parameters": params, "init_seconds": round(t_init, 1), "total_seconds": round(time.time() - t0, 1),
                      "layers": manifest["layers"], "kvHeads": manifest["kvHeads"],
                      "bytes": {f.name: f.stat().st_size for f in sorted(Path(a.out).iterdir())}}), flush=True)


if __name__ == "__main__":
    main()
