"""Verify tools/export_hf.py on a randomly initialised LLaVA-OneVision (llava-onevision-qwen2-0.5b-ov's
real configuration — SigLIP-384/14 tower, Qwen2 decoder with GQA 14/2 — shrunk in depth) against
transformers, and write fixtures.

    python3 -m tools.hf.verify_llava_onevision --work .scratch/hf-ov --fixtures test/fixtures/hf-export

OneVision packs like LLaVA-NeXT (base tile, AnyRes grid, unpadding, newline tokens) and adds
"anyres_max_9": when the unpadded grid holds more than ~9 tiles of features it is downsampled with
bilinear interpolation (PyTorch, align_corners=False) to about 9 tiles. The runtime's rule
(docs/model-package.md) expresses every packed token as a weighted sum of at most 4 tile features
(weights 1 without downsampling) or the newline vector. Parts:

1. Layout (`llava-onevision-layout.json`): for real-size images, the processor's token count and
   transformers' own `pack_image_features` on features f(tile, patch) = tile * 729 + patch (float64):
   the packed channel must equal the rule's weighted sums. The fixture keeps, per image, the counts,
   the grid before and after downsampling and the packed values for the TypeScript test.
2. Full width (`llava-onevision-qwen2.json`): the package run by onnxruntime (CPU), packed by the
   rule, against transformers' eager attention on a small and a large image (the large one is
   downsampled): inputs_embeds, logits, attention rebuilt from queries/keys.
3. Tiny (`llava-onevision-tiny/`): a package small enough to commit, as `tiny_part` in
   verify_llava_next.py (56-pixel tiles of 4x4 patches, pinpoints 56x112 / 112x56 / 112x112,
   anyres_max_2, SigLIP and Qwen2 of hidden 32, GQA 4/2, a 1.2k-word tokenizer) with `reference.json`
   for a 150x100 image whose 6x8 unpadded grid is downsampled to 4x6 (asserted): the processor's
   pixel_values and ids, the image-token count, every packed token's terms, transformers' logits and
   attention rows — test/integration/llavaOnevision.test.ts runs the package through the TypeScript
   runtime against them. Only this part:

    python3 -m tools.hf.verify_llava_onevision --work .scratch/hf-ov --fixtures test/fixtures/hf-export --parts tiny
"""
from __future__ import annotations

import argparse
import json
import math
import platform
import time
from pathlib import Path

import numpy as np
import torch

from tools.export_hf import export_llava, use_attention
from tools.hf.verify_llava import build_tokenizer, sharpen_attention, test_image
from tools.hf.verify_llava_next import PROMPT, best_resolution, compare, f32_b64

IMAGE_TOKEN = 151646
SIGLIP_MEAN = [0.5, 0.5, 0.5]
SIGLIP_STD = [0.5, 0.5, 0.5]
PINPOINTS = [[384 * a, 384 * b] for a in range(1, 7) for b in range(1, 7)]
TEMPLATE = "<|im_start|>user <image>\n{prompt}<|im_end|><|im_start|>assistant\n"
LAYOUT_SIZES = [(640, 480), (480, 640), (1920, 1080), (1080, 1920), (384, 384), (2000, 300), (300, 2000),
                (1024, 768), (333, 517), (4000, 3000)]
# The tiny package: <image> <video> <pad> right after a 1200-entry vocabulary, 56-pixel tiles of 4x4
# patches, and anyres_max_2 so that a 150x100 image (2x2 grid, 6x8 after unpadding, ratio 1.22) is
# downsampled to 4x6.
TINY_PAD_TO = 1200
TINY_TILE = 56
TINY_PINS = [[56, 112], [112, 56], [112, 112]]
TINY_MAX_TILES = 2
TINY_IMAGE_SIZE = (150, 100)  # (width, height)


def onevision_config(text_layers: int, vision_layers: int, *, tiny: bool = False):
    """llava-onevision-qwen2-0.5b-ov's configuration with the given depths (tiny: a 56-pixel tile, toy
    widths, a small vocabulary and anyres_max_2, for a committed fixture)."""
    from transformers import LlavaOnevisionConfig, Qwen2Config, SiglipVisionConfig

    if tiny:
        image_token, pins, max_tiles = TINY_PAD_TO, TINY_PINS, TINY_MAX_TILES
        vision = SiglipVisionConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=vision_layers,
                                    num_attention_heads=2, image_size=TINY_TILE, patch_size=14, vision_use_head=False,
                                    hidden_act="gelu_pytorch_tanh", layer_norm_eps=1e-6)
        text = Qwen2Config(hidden_size=32, intermediate_size=64, num_hidden_layers=text_layers, num_attention_heads=4,
                           num_key_value_heads=2, vocab_size=TINY_PAD_TO + 3, max_position_embeddings=512,
                           rope_theta=1e6, rms_norm_eps=1e-6, use_sliding_window=False, tie_word_embeddings=True,
                           bos_token_id=1, eos_token_id=2, pad_token_id=TINY_PAD_TO + 2)
    else:
        image_token, pins, max_tiles = IMAGE_TOKEN, PINPOINTS, 9
        vision = SiglipVisionConfig(hidden_size=1152, intermediate_size=4304, num_hidden_layers=vision_layers,
                                    num_attention_heads=16, image_size=384, patch_size=14, vision_use_head=False,
                                    hidden_act="gelu_pytorch_tanh", layer_norm_eps=1e-6)
        text = Qwen2Config(hidden_size=896, intermediate_size=4864, num_hidden_layers=text_layers,
                           num_attention_heads=14, num_key_value_heads=2, vocab_size=152000,
                           max_position_embeddings=32768, rope_theta=1e6, rms_norm_eps=1e-6, use_sliding_window=False,
                           tie_word_embeddings=True, bos_token_id=1, eos_token_id=2, pad_token_id=IMAGE_TOKEN + 2)
    return LlavaOnevisionConfig(vision_config=vision, text_config=text, image_token_index=image_token,
                                video_token_index=image_token + 1, projector_hidden_act="gelu",
                                vision_feature_layer=-1, vision_feature_select_strategy="full",
                                vision_aspect_ratio=f"anyres_max_{max_tiles}", image_grid_pinpoints=pins,
                                tie_word_embeddings=True, architectures=["LlavaOnevisionForConditionalGeneration"])


def build_onevision_processor(*, tiny: bool = False):
    from tokenizers import Tokenizer
    from transformers import LlavaOnevisionProcessor, PreTrainedTokenizerFast

    try:
        from transformers import LlavaOnevisionImageProcessorPil as ImageProcessor
    except ImportError:
        from transformers import LlavaOnevisionImageProcessor as ImageProcessor
    image_token, tile, pins, max_tiles = ((TINY_PAD_TO, TINY_TILE, TINY_PINS, TINY_MAX_TILES) if tiny
                                          else (IMAGE_TOKEN, 384, PINPOINTS, 9))
    base = json.loads(build_tokenizer(image_token).to_str())  # <image> = image_token, <pad> = image_token + 1
    # OneVision's ids: <image> image_token, <video> image_token + 1, <pad> image_token + 2
    vocab = base["model"]["vocab"]
    del vocab["<pad>"]
    base["added_tokens"] = [t for t in base["added_tokens"] if t["content"] != "<pad>"]
    for content, i in (("<video>", image_token + 1), ("<pad>", image_token + 2)):
        vocab[content] = i
        base["added_tokens"].append({"id": i, "content": content, "single_word": False, "lstrip": False,
                                     "rstrip": False, "normalized": False, "special": True})
    tok = PreTrainedTokenizerFast(tokenizer_object=Tokenizer.from_str(json.dumps(base)), bos_token="<s>",
                                  eos_token="</s>", unk_token="<unk>", pad_token="<pad>")
    ip = ImageProcessor(size={"height": tile, "width": tile}, resample=3, do_pad=True, image_grid_pinpoints=pins,
                        image_mean=SIGLIP_MEAN, image_std=SIGLIP_STD)
    kw = {}
    try:
        from transformers import LlavaOnevisionVideoProcessor

        kw["video_processor"] = LlavaOnevisionVideoProcessor()
    except Exception:  # noqa: BLE001 - older versions have no separate video processor
        pass
    return LlavaOnevisionProcessor(image_processor=ip, tokenizer=tok, num_image_tokens=(tile // 14) ** 2,
                                   vision_feature_select_strategy="full", vision_aspect_ratio=f"anyres_max_{max_tiles}",
                                   image_token="<image>", video_token="<video>", **kw)


# ---------------------------------------------------------------------------------------------
# The runtime's rule, written independently of transformers


def _bilinear_1d(n_in: int, n_out: int):
    """PyTorch's bilinear weights along one axis (align_corners=False, no antialias)."""
    scale = n_in / n_out
    out = []
    for d in range(n_out):
        src = max((d + 0.5) * scale - 0.5, 0.0)
        i0 = int(math.floor(src))
        i1 = i0 + 1 if i0 < n_in - 1 else i0
        l1 = src - i0
        out.append(((i0, 1.0 - l1), (i1, l1)))
    return out


def packed_terms(h: int, w: int, pins, tile: int, rows: int, cols: int, max_tiles: int | None):
    """Per packed token: [(source, weight), ...] over tile features (source = tile * rows * cols + patch),
    or None for a newline token. Also the grid shape before and after downsampling."""
    bh, bw = best_resolution(h, w, pins)
    gh, gw = bh // tile, bw // tile
    terms = [[(p, 1.0)] for p in range(rows * cols)]
    cur_h, cur_w = gh * rows, gw * cols
    r0, r1, c0, c1 = 0, cur_h, 0, cur_w
    if w / h > cur_w / cur_h:
        pad = (cur_h - int(round(h * (cur_w / w), 7))) // 2
        r0, r1 = pad, cur_h - pad
    else:
        pad = (cur_w - int(round(w * (cur_h / h), 7))) // 2
        c0, c1 = pad, cur_w - pad
    H, W = r1 - r0, c1 - c0

    def src(R, C):
        R, C = R + r0, C + c0
        return (1 + (R // rows) * gw + (C // cols)) * rows * cols + (R % rows) * cols + (C % cols)

    oh, ow = H, W
    if max_tiles is not None:
        ratio = math.sqrt(H * W / (max_tiles * rows * rows))
        if ratio > 1.1:
            oh, ow = int(H // ratio), int(W // ratio)
    wy, wx = _bilinear_1d(H, oh), _bilinear_1d(W, ow)
    for y in range(oh):
        for x in range(ow):
            acc: dict[int, float] = {}
            for ry, a in wy[y]:
                for cx, b in wx[x]:
                    if a * b != 0.0:
                        s = src(ry, cx)
                        acc[s] = acc.get(s, 0.0) + a * b
            terms.append(sorted(acc.items()))
        terms.append(None)
    return terms, {"grid": [gh, gw], "unpadded": [H, W], "packed": [oh, ow]}


def apply_terms(feats: np.ndarray, newline: np.ndarray, terms) -> np.ndarray:
    """feats [1, T * rows * cols, D] -> [n_img, D]."""
    f = feats[0].astype(np.float64)
    out = np.empty((len(terms), f.shape[1]))
    for i, t in enumerate(terms):
        out[i] = newline if t is None else sum(wt * f[s] for s, wt in t)
    return out.astype(np.float32)


def onevision_packer(max_tiles):
    def packer(feats, newline, h, w, lay):
        terms, _ = packed_terms(h, w, lay["gridPinpoints"], lay["tileSize"], lay["rows"], lay["cols"], max_tiles)
        return apply_terms(feats, newline, terms), terms

    return packer


def layout_part(fixtures: Path) -> dict:
    import inspect

    from transformers import LlavaOnevisionForConditionalGeneration

    cfg = onevision_config(1, 1)
    cfg.text_config.hidden_size, cfg.text_config.intermediate_size, cfg.text_config.vocab_size = 28, 32, 152000
    cfg.text_config.num_attention_heads, cfg.text_config.num_key_value_heads = 2, 1
    cfg.vision_config.hidden_size, cfg.vision_config.intermediate_size = 32, 32
    cfg.vision_config.num_attention_heads = 2
    model = LlavaOnevisionForConditionalGeneration(cfg).eval()
    proc = build_onevision_processor()
    per_tile = 729
    cases = []
    for w, h in LAYOUT_SIZES:
        enc = proc(images=test_image(w, h), text="<|im_start|>user <image>\nhi<|im_end|>", return_tensors="pt")
        n_img = int((enc["input_ids"][0] == IMAGE_TOKEN).sum())
        tiles = int(enc["pixel_values"].shape[1])
        D = 2
        f = torch.zeros(tiles, per_tile, D, dtype=torch.float64)
        f[:, :, 0] = torch.arange(tiles * per_tile, dtype=torch.float64).reshape(tiles, per_tile)
        f[:, :, 1] = 1.0
        newline = torch.tensor([-1.0, 0.0], dtype=torch.float64)
        kw = {"image_newline": newline}
        params = inspect.signature(model.model.pack_image_features).parameters
        if "vision_aspect_ratio" in params:
            kw["vision_aspect_ratio"] = "anyres_max_9"
        with torch.no_grad():
            packed, lens = model.model.pack_image_features([f], torch.tensor([[h, w]]), **kw)
        packed = (packed if isinstance(packed, torch.Tensor) else packed[0]).numpy()
        terms, shape = packed_terms(h, w, PINPOINTS, 384, 27, 27, 9)
        # the rule's weighted sums in float64: channel 0 = sum of weight x source, channel 1 = sum of weights
        ours = np.array([[-1.0, 0.0] if t is None else [sum(wt * s for s, wt in t), sum(wt for _, wt in t)]
                         for t in terms])
        diff = float(np.max(np.abs(ours - packed))) if ours.shape == packed.shape else None
        cases.append({"width": w, "height": h, "processor_image_tokens": n_img, "tiles": tiles,
                      "best_resolution": list(best_resolution(h, w, PINPOINTS)), **shape,
                      "packed_tokens": int(packed.shape[0]), "rule_tokens": len(terms), "max_abs_diff": diff,
                      "packed_channel0": [round(float(x), 9) for x in packed[:, 0]]})
        print("layout", w, h, n_img, tiles, shape, packed.shape[0], len(terms), diff, flush=True)
    ok = all(c["processor_image_tokens"] == c["packed_tokens"] == c["rule_tokens"] and c["max_abs_diff"] is not None
             and c["max_abs_diff"] <= 1e-9 for c in cases)
    res = {"what": "transformers' LlavaOnevisionProcessor token counts and pack_image_features on f(tile, patch) = "
                   "tile * 729 + patch (float64; newline = -1), anyres_max_9",
           "pinpoints": PINPOINTS, "tileSize": 384, "rows": 27, "cols": 27, "maxTiles": 9, "pass": ok, "cases": cases}
    (fixtures / "llava-onevision-layout.json").write_text(json.dumps(res, separators=(",", ":")) + "\n")
    return {"pass": ok, "cases": [(c["width"], c["height"], c["processor_image_tokens"], c["packed"], c["max_abs_diff"])
                                  for c in cases]}


def full_width_part(work: Path, fixtures: Path, a) -> dict:
    import shutil

    import onnxruntime
    import transformers
    from transformers import LlavaOnevisionForConditionalGeneration

    t0 = time.time()
    torch.manual_seed(0)
    config = onevision_config(a.text_layers, a.vision_layers)
    model = LlavaOnevisionForConditionalGeneration(config).eval()
    use_attention(model, "eager")
    sharpen_attention(model, a.sharpen)
    processor = build_onevision_processor()
    pkg = work / "llava-onevision-qwen2"
    t = time.time()
    manifest = export_llava(model, processor, pkg, name="llava-onevision-qwen2-0.5b-random-shrunk", template=TEMPLATE,
                            force=True)
    t_export = time.time() - t
    results = []
    for w, h in ((640, 480), (1920, 1080)):
        r = compare(model, processor, pkg, manifest, test_image(w, h), a.threads, packer=onevision_packer(9))
        r.pop("_ref")
        results.append(r)
        print("onevision", json.dumps(r), flush=True)
    report = {
        "what": "tools/export_hf.py on a random llava-onevision-qwen2-0.5b configuration shrunk in depth; onnxruntime "
                "CPU, packed by the runtime's AnyRes rule with anyres_max_9, vs transformers eager (fp32, CPU)",
        "tolerances": {"logits": 1e-3, "attention_probs": 1e-4},
        "pass": all(r["pass"] for r in results),
        "versions": {"python": platform.python_version(), "torch": torch.__version__,
                     "transformers": transformers.__version__, "onnxruntime": onnxruntime.__version__},
        "model": {k: manifest[k] for k in ("family", "layers", "heads", "kvHeads", "headDim", "hidden", "vocabSize",
                                           "maxPositions", "image", "tokens")} | {"vision_layers": a.vision_layers},
        "package_files_bytes": {f.name: f.stat().st_size for f in sorted(pkg.iterdir())},
        "images": results,
        "seconds": {"export": round(t_export, 1), "total": round(time.time() - t0, 1)},
    }
    (fixtures / "llava-onevision-qwen2.json").write_text(json.dumps(report, indent=1) + "\n")
    shutil.rmtree(pkg, ignore_errors=True)
    return {"pass": report["pass"], "worst": [(r["worst_logits"], r["worst_attention_probs"], r["prompt_length"])
                                              for r in results]}


def tiny_part(work: Path, fixtures: Path, a) -> dict:
    """As verify_llava_next.tiny_part, on a tiny OneVision whose test image is downsampled."""
    from transformers import LlavaOnevisionForConditionalGeneration

    torch.manual_seed(0)
    config = onevision_config(2, 2, tiny=True)
    model = LlavaOnevisionForConditionalGeneration(config).eval()
    use_attention(model, "eager")
    sharpen_attention(model, 4.0)
    processor = build_onevision_processor(tiny=True)
    out = fixtures / "llava-onevision-tiny"
    manifest = export_llava(model, processor, out, name="llava-onevision-tiny-random", template=TEMPLATE, force=True)
    lay = manifest["image"]["layout"]
    assert lay.get("maxTiles") == TINY_MAX_TILES, f"exported layout {lay}"
    img = test_image(640, 480).resize(TINY_IMAGE_SIZE)
    img.save(out / "image.png")
    w, h = img.size
    side = TINY_TILE // 14
    _, shape = packed_terms(h, w, TINY_PINS, TINY_TILE, side, side, TINY_MAX_TILES)
    # The point of this fixture: the runtime's weighted packing, so the image must be downsampled.
    assert shape["packed"] != shape["unpadded"], f"the tiny image is not downsampled: {shape}"
    r = compare(model, processor, out, manifest, img, a.threads, decode_steps=1,
                packer=onevision_packer(TINY_MAX_TILES))
    enc, ref, lo, qs, pres, terms = r.pop("_ref")
    m = r["prompt_length"]
    rows = {str(i): f32_b64(ref.attentions[i][0, :, -1, :].numpy()) for i in range(manifest["layers"])}
    reference = {
        "what": "transformers (eager, fp32) on image.png with the processor; tools/hf/verify_llava_onevision.py",
        "prompt": PROMPT, "image": "image.png", "image_size": list(img.size),
        "input_ids": enc["input_ids"][0].tolist(),
        "pixel_values_shape": list(enc["pixel_values"][0].shape), "pixel_values_f32": f32_b64(enc["pixel_values"][0].numpy()),
        "image_tokens": r["processor_image_tokens"], "grid": shape,
        # per packed token [[feature row, weight], ...] (rows ascending), or null for a newline token
        "terms": [None if t is None else [[int(s_), float(wt)] for s_, wt in t] for t in terms],
        "logits_last_f32": f32_b64(ref.logits[0, -1].numpy()), "logits_all_argmax": ref.logits[0].argmax(-1).tolist(),
        "attention_last_row_f32": rows, "attention_shape": [manifest["heads"], m],
        "checks_onnxruntime": {k: v for k, v in r.items()},
    }
    (out / "reference.json").write_text(json.dumps(reference, indent=1) + "\n")
    return {"pass": r["pass"], "grid": shape, "worst_logits": r["worst_logits"], "worst_probs": r["worst_attention_probs"],
            "bytes": {f.name: f.stat().st_size for f in sorted(out.iterdir())}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", required=True)
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--text-layers", type=int, default=2)
    ap.add_argument("--vision-layers", type=int, default=2)
    ap.add_argument("--sharpen", type=float, default=2.0)
    ap.add_argument("--threads", type=int, default=max(1, torch.get_num_threads()))
    ap.add_argument("--parts", default="layout,tiny,full")
    a = ap.parse_args()
    work, fixtures = Path(a.work), Path(a.fixtures)
    work.mkdir(parents=True, exist_ok=True)
    fixtures.mkdir(parents=True, exist_ok=True)
    summary = {}
    for part in a.parts.split(","):
        t = time.time()
        try:
            if part == "layout":
                summary[part] = layout_part(fixtures)
            elif part == "tiny":
                summary[part] = tiny_part(work, fixtures, a)
            elif part == "full":
                summary[part] = full_width_part(work, fixtures, a)
            else:
                raise ValueError(f"unknown part {part!r} (layout, tiny, full)")
        except Exception as e:  # noqa: BLE001 - report every part, then fail
            import traceback

            traceback.print_exc()
            summary[part] = {"pass": False, "error": f"{type(e).__name__}: {e}"}
        summary[part]["seconds"] = round(time.time() - t, 1)
        print("PART", part, json.dumps(summary[part]), flush=True)
    print("SUMMARY", json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
