"""Verify tools/export_hf.py on randomly initialised LLaVA-1.6 / LLaVA-NeXT models (the real
Mistral-7B and Vicuna-7B configurations, shrunk in depth) against transformers, and write fixtures.

    python3 -m tools.hf.verify_llava_next --work .scratch/hf-next --fixtures test/fixtures/hf-export \
        [--text-layers 2] [--vision-layers 2] [--skip-full-width]

No weights are downloaded. Three parts:

1. Layout (`llava-next-layout.json`): for real-size images of several aspect ratios, with LLaVA-1.6's
   grid pinpoints and 336-pixel tiles, the processor's image-token count and tile count, and the
   exact source of every packed image token taken from transformers' own `pack_image_features`
   fed with features that encode (tile, patch) — so the TypeScript AnyRes geometry can be checked
   token by token without a model.
2. Full width (`llava-next-mistral.json`, `llava-next-vicuna.json`): the real 7B widths (GQA 32/8
   and multi-head 32/32) with 2 decoder and 2 vision layers: the package run by onnxruntime (CPU),
   packed by the runtime's rule (image features + image_newline, docs/model-package.md), against
   transformers' eager attention: inputs_embeds, logits, attention rebuilt from queries/keys.
3. Tiny (`llava-next-tiny/`): a package small enough to commit (56-pixel tiles of 4x4 patches,
   pinpoints 56x112 / 112x56 / 112x112, hidden 32, GQA 4/2, a 1.2k-word tokenizer) with
   `reference.json`: the processor's pixel_values and ids for a 150x100 image, the image-token
   count, the packed sources, transformers' logits and attention rows — test/model/hfLlavaNext.test.ts
   runs the package through the TypeScript runtime against them.
"""
from __future__ import annotations

import argparse
import base64
import json
import platform
import shutil
import time
from pathlib import Path

import numpy as np
import torch

from tools.export_hf import FILES, export_llava, use_attention
from tools.hf.verify_llava import Package, build_tokenizer, maxdiff, probs_from_qk, sharpen_attention, test_image

LOGITS_TOL = 1e-3
PROBS_TOL = 1e-4
PROMPT = "What is shown in this picture? Describe the shapes and their colours."
PINPOINTS = [[336, 672], [672, 336], [672, 672], [1008, 336], [336, 1008]]
CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]
LAYOUT_SIZES = [(640, 480), (480, 640), (1000, 300), (300, 1000), (336, 336), (1920, 1080), (100, 2000),
                (672, 672), (800, 600), (333, 517)]  # (width, height)


def next_config(decoder: str, text_layers: int, vision_layers: int, *, tiny: bool = False, vocab: int = 32064,
                image_token: int = 32000, pad: int = 32001):
    """llava-hf/llava-v1.6-{mistral,vicuna}-7b-hf's configuration with the given depths (tiny: a
    56-pixel tile and toy widths for a committed fixture)."""
    from transformers import CLIPVisionConfig, LlamaConfig, LlavaNextConfig, MistralConfig

    if tiny:
        vision = CLIPVisionConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=vision_layers,
                                  num_attention_heads=2, image_size=56, patch_size=14, projection_dim=32,
                                  hidden_act="quick_gelu", layer_norm_eps=1e-5)
        pins = [[56, 112], [112, 56], [112, 112]]
        text = MistralConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=text_layers,
                             num_attention_heads=4, num_key_value_heads=2, head_dim=8, vocab_size=vocab,
                             max_position_embeddings=512, rms_norm_eps=1e-5, rope_theta=1e6, sliding_window=None,
                             bos_token_id=1, eos_token_id=2, pad_token_id=pad, tie_word_embeddings=False)
    else:
        vision = CLIPVisionConfig(hidden_size=1024, intermediate_size=4096, num_hidden_layers=vision_layers,
                                  num_attention_heads=16, image_size=336, patch_size=14, projection_dim=768,
                                  hidden_act="quick_gelu", layer_norm_eps=1e-5)
        pins = PINPOINTS
        if decoder == "mistral":
            text = MistralConfig(hidden_size=4096, intermediate_size=14336, num_hidden_layers=text_layers,
                                 num_attention_heads=32, num_key_value_heads=8, vocab_size=vocab,
                                 max_position_embeddings=32768, rms_norm_eps=1e-5, rope_theta=1e6, sliding_window=None,
                                 bos_token_id=1, eos_token_id=2, pad_token_id=pad, tie_word_embeddings=False)
        else:
            text = LlamaConfig(hidden_size=4096, intermediate_size=11008, num_hidden_layers=text_layers,
                               num_attention_heads=32, num_key_value_heads=32, vocab_size=vocab,
                               max_position_embeddings=4096, rms_norm_eps=1e-5, bos_token_id=1, eos_token_id=2,
                               pad_token_id=pad, tie_word_embeddings=False)
    return LlavaNextConfig(vision_config=vision, text_config=text, image_token_index=image_token,
                           projector_hidden_act="gelu", vision_feature_layer=-2,
                           vision_feature_select_strategy="default", image_grid_pinpoints=pins,
                           image_seq_length=(vision.image_size // vision.patch_size) ** 2,
                           architectures=["LlavaNextForConditionalGeneration"])


def build_next_processor(config, pad_to: int = 32000, decoder: str = "mistral"):
    from transformers import LlavaNextProcessor, PreTrainedTokenizerFast

    try:
        from transformers import LlavaNextImageProcessorPil as ImageProcessor
    except ImportError:
        from transformers import LlavaNextImageProcessor as ImageProcessor
    tok = PreTrainedTokenizerFast(tokenizer_object=build_tokenizer(pad_to), bos_token="<s>", eos_token="</s>",
                                  unk_token="<unk>", pad_token="<pad>")
    side = config.vision_config.image_size
    ip = ImageProcessor(size={"shortest_edge": side}, crop_size={"height": side, "width": side}, resample=3,
                        do_center_crop=True, do_pad=True, image_grid_pinpoints=config.image_grid_pinpoints,
                        image_mean=CLIP_MEAN, image_std=CLIP_STD)
    proc = LlavaNextProcessor(image_processor=ip, tokenizer=tok, patch_size=config.vision_config.patch_size,
                              vision_feature_select_strategy="default", image_token="<image>",
                              num_additional_image_tokens=1)
    return proc


def template_for(decoder: str) -> str:
    return "[INST] <image>\n{prompt} [/INST]" if decoder == "mistral" else "USER: <image>\n{prompt} ASSISTANT:"


# ---------------------------------------------------------------------------------------------
# The runtime's packing rule (docs/model-package.md "AnyRes"), written independently of transformers


def best_resolution(h: int, w: int, pins) -> tuple[int, int]:
    best, best_eff, best_waste = None, -1, float("inf")
    for ph, pw in pins:
        s = min(pw / w, ph / h)
        dw, dh = int(w * s), int(h * s)
        eff = min(dw * dh, w * h)
        waste = ph * pw - eff
        if eff > best_eff or (eff == best_eff and waste < best_waste):
            best, best_eff, best_waste = (ph, pw), eff, waste
    return best


def packed_sources(h: int, w: int, pins, tile: int, rows: int, cols: int) -> list[int]:
    """Per packed image token: tile * rows * cols + patch, or -1 for a newline token."""
    bh, bw = best_resolution(h, w, pins)
    gh, gw = bh // tile, bw // tile
    src = list(range(rows * cols))
    cur_h, cur_w = gh * rows, gw * cols
    r0, r1, c0, c1 = 0, cur_h, 0, cur_w
    if w / h > cur_w / cur_h:
        new_h = int(round(h * (cur_w / w), 7))
        pad = (cur_h - new_h) // 2
        r0, r1 = pad, cur_h - pad
    else:
        new_w = int(round(w * (cur_h / h), 7))
        pad = (cur_w - new_w) // 2
        c0, c1 = pad, cur_w - pad
    for R in range(r0, r1):
        for C in range(c0, c1):
            t = 1 + (R // rows) * gw + (C // cols)
            src.append(t * rows * cols + (R % rows) * cols + (C % cols))
        src.append(-1)
    return src


def pack(feats: np.ndarray, newline: np.ndarray, sources: list[int]) -> np.ndarray:
    """feats [1, T * rows * cols, D], newline [D] -> [n_img, D]."""
    return np.stack([newline if s < 0 else feats[0, s] for s in sources])


def hf_sources(model, image_sizes: list[tuple[int, int]], tiles: list[int], per_tile: int) -> list[list[int]]:
    """transformers' own packing, fed features whose first channel is the source index."""
    D = model.config.text_config.hidden_size
    feats = []
    for t in tiles:
        f = torch.zeros(t, per_tile, D)
        f[:, :, 0] = torch.arange(t * per_tile, dtype=torch.float32).reshape(t, per_tile)
        feats.append(f)
    newline = torch.full((D,), -1.0)
    import inspect

    kw = {"image_newline": newline}
    if "vision_feature_select_strategy" in inspect.signature(model.model.pack_image_features).parameters:
        kw["vision_feature_select_strategy"] = "default"
    packed, lens = model.model.pack_image_features(feats, torch.tensor([[h, w] for h, w in image_sizes]), **kw)
    packed = torch.split(packed, [int(x) for x in lens], 0) if isinstance(packed, torch.Tensor) else packed
    return [p[:, 0].round().long().tolist() for p in packed]


def layout_part(fixtures: Path) -> dict:
    from transformers import LlavaNextForConditionalGeneration

    torch.manual_seed(0)
    cfg = next_config("mistral", 1, 2)
    cfg.text_config.hidden_size, cfg.text_config.intermediate_size = 64, 64
    cfg.text_config.num_attention_heads, cfg.text_config.num_key_value_heads, cfg.text_config.head_dim = 2, 1, 32
    cfg.text_config.vocab_size = 32064
    cfg.vision_config.hidden_size, cfg.vision_config.intermediate_size = 32, 32
    cfg.vision_config.num_attention_heads = 2
    model = LlavaNextForConditionalGeneration(cfg).eval()
    proc = build_next_processor(cfg)
    cases = []
    for w, h in LAYOUT_SIZES:
        img = test_image(w, h)
        enc = proc(images=img, text="[INST] <image>\nhi [/INST]", return_tensors="pt")
        ids = enc["input_ids"][0].tolist()
        n_img = sum(1 for x in ids if x == cfg.image_token_index)
        tiles = int(enc["pixel_values"].shape[1])
        with torch.no_grad():
            src = hf_sources(model, [(h, w)], [tiles], 576)[0]
        ours = packed_sources(h, w, PINPOINTS, 336, 24, 24)
        cases.append({"width": w, "height": h, "processor_image_tokens": n_img, "tiles": tiles,
                      "best_resolution": list(best_resolution(h, w, PINPOINTS)),
                      "image_sizes": enc["image_sizes"][0].tolist(), "sources_equal_python_rule": src == ours,
                      "sources": src})
        print("layout", w, h, n_img, tiles, src == ours, len(src), flush=True)
    res = {"what": "transformers' LlavaNextProcessor token counts and pack_image_features sources "
                   "(tile * 576 + patch, -1 = newline) for LLaVA-1.6's grid pinpoints",
           "pinpoints": PINPOINTS, "tileSize": 336, "rows": 24, "cols": 24, "cases": cases,
           "pass": all(c["sources_equal_python_rule"] and c["processor_image_tokens"] == len(c["sources"]) for c in cases)}
    (fixtures / "llava-next-layout.json").write_text(json.dumps(res, separators=(",", ":")) + "\n")
    return {"pass": res["pass"], "cases": [(c["width"], c["height"], c["processor_image_tokens"], c["tiles"],
                                            c["sources_equal_python_rule"]) for c in cases]}


class Capture:
    """Catches the inputs_embeds transformers passes to its language model."""

    def __init__(self, model):
        self.embeds = None
        self.h = model.model.language_model.register_forward_pre_hook(self, with_kwargs=True)

    def __call__(self, module, args, kwargs):
        if kwargs.get("inputs_embeds") is not None and self.embeds is None:
            self.embeds = kwargs["inputs_embeds"].detach().clone()


def next_packer(feats, newline, h: int, w: int, lay: dict):
    sources = packed_sources(h, w, lay["gridPinpoints"], lay["tileSize"], lay["rows"], lay["cols"])
    return pack(feats, newline, sources), sources


def compare(model, processor, pkg: Path, manifest: dict, img, threads: int, *, decode_steps: int = 2,
            packer=next_packer, prompt: str = PROMPT) -> dict:
    """Package (onnxruntime CPU, packed by the runtime's rule) vs transformers eager on one image."""
    use_attention(model, "eager")
    P = Package(pkg, threads)
    scale = manifest["attention"]["scale"]
    L = P.L
    lay = manifest["image"]["layout"]
    text = manifest["prompt"]["template"].replace("{prompt}", prompt)
    enc = processor(images=img, text=text, return_tensors="pt")
    ids = enc["input_ids"][0].tolist()
    image_id = manifest["tokens"]["image"]
    pos = [i for i, x in enumerate(ids) if x == image_id]
    w, h = img.size
    pix = enc["pixel_values"][0].float()  # [tiles, 3, S, S]
    cap = Capture(model)
    with torch.no_grad():
        ref = model(input_ids=enc["input_ids"], pixel_values=enc["pixel_values"], image_sizes=enc["image_sizes"],
                    output_attentions=True, use_cache=True, return_dict=True)
    cap.h.remove()
    feats, newline = P.vision.run(None, {"pixel_values": pix.numpy()})
    emb = P.embeds(ids)
    packed, sources = packer(feats, newline, h, w, lay)
    emb[0, pos] = packed
    m = len(ids)
    lo, pres, qs = P.step(emb, list(range(m)), P.empty_past())
    out = {
        "image_size": [w, h], "tiles": int(pix.shape[0]), "prompt_length": m,
        "processor_image_tokens": len(pos), "runtime_rule_image_tokens": len(sources),
        "inputs_embeds": maxdiff(emb, cap.embeds.numpy()),
        "steps": [{"kind": "prefill", "n": m, "logits": maxdiff(lo, ref.logits.numpy()),
                   "attention_probs_rebuilt_vs_eager": max(maxdiff(probs_from_qk(qs[i][0], pres[i][0][0], 0, scale),
                                                                   ref.attentions[i][0].numpy()) for i in range(L)),
                   "eager_max_prob_median": float(np.median(np.concatenate(
                       [ref.attentions[i][0].numpy().max(-1).ravel() for i in range(L)])))}],
    }
    cache, ref_logits, past = ref.past_key_values, ref.logits, pres
    for s in range(decode_steps):
        nxt = int(ref_logits[0, -1].argmax())
        with torch.no_grad():
            r = model(input_ids=torch.tensor([[nxt]]), past_key_values=cache, use_cache=True, output_attentions=True,
                      return_dict=True)
        lo_s, pres_s, qs_s = P.step(P.embeds([nxt]), [m + s], past)
        t_past = past[0][0].shape[2]
        out["steps"].append({
            "kind": f"decode {s + 1}", "n": 1, "past": t_past, "token": nxt,
            "logits": maxdiff(lo_s, r.logits.numpy()),
            "attention_probs_rebuilt_vs_eager": max(maxdiff(probs_from_qk(qs_s[i][0], pres_s[i][0][0], t_past, scale),
                                                            r.attentions[i][0].numpy()) for i in range(L)),
        })
        cache, ref_logits, past = r.past_key_values, r.logits, pres_s
    out["worst_logits"] = max(s["logits"] for s in out["steps"])
    out["worst_attention_probs"] = max(s["attention_probs_rebuilt_vs_eager"] for s in out["steps"])
    out["pass"] = bool(out["worst_logits"] <= LOGITS_TOL and out["worst_attention_probs"] <= PROBS_TOL
                       and out["processor_image_tokens"] == out["runtime_rule_image_tokens"]
                       and out["inputs_embeds"] <= 1e-4)
    out["_ref"] = (enc, ref, lo, qs, pres, sources)
    return out


def full_width_part(decoder: str, work: Path, fixtures: Path, a) -> dict:
    import onnxruntime
    import transformers
    from transformers import LlavaNextForConditionalGeneration

    t0 = time.time()
    torch.manual_seed(0)
    config = next_config(decoder, a.text_layers, a.vision_layers)
    model = LlavaNextForConditionalGeneration(config).eval()
    use_attention(model, "eager")
    sharpen_attention(model, a.sharpen)
    processor = build_next_processor(config, decoder=decoder)
    pkg = work / f"llava-next-{decoder}"
    t = time.time()
    manifest = export_llava(model, processor, pkg, name=f"llava-v1.6-{decoder}-7b-random-shrunk",
                            template=template_for(decoder), force=True)
    t_export = time.time() - t
    results = []
    for w, h in ((640, 480), (500, 900)):
        r = compare(model, processor, pkg, manifest, test_image(w, h), a.threads)
        r.pop("_ref")
        results.append(r)
        print(decoder, json.dumps(r), flush=True)
    report = {
        "what": f"tools/export_hf.py on a random llava-v1.6-{decoder}-7b configuration shrunk in depth; "
                "onnxruntime CPU, packed by the runtime's AnyRes rule, vs transformers eager (fp32, CPU)",
        "tolerances": {"logits": LOGITS_TOL, "attention_probs": PROBS_TOL},
        "pass": all(r["pass"] for r in results),
        "versions": {"python": platform.python_version(), "torch": torch.__version__,
                     "transformers": transformers.__version__, "onnxruntime": onnxruntime.__version__},
        "model": {k: manifest[k] for k in ("family", "layers", "heads", "kvHeads", "headDim", "hidden", "vocabSize",
                                           "maxPositions")} | {"vision_layers": a.vision_layers,
                                                               "image": manifest["image"], "qk_weight_scale": a.sharpen},
        "package_files_bytes": {f.name: f.stat().st_size for f in sorted(pkg.iterdir())},
        "images": results,
        "seconds": {"export": round(t_export, 1), "total": round(time.time() - t0, 1)},
    }
    (fixtures / f"llava-next-{decoder}.json").write_text(json.dumps(report, indent=1) + "\n")
    shutil.rmtree(pkg, ignore_errors=True)
    return {k: report[k] for k in ("pass", "seconds")} | {"worst": [(r["worst_logits"], r["worst_attention_probs"])
                                                                   for r in results]}


def f32_b64(x) -> str:
    return base64.b64encode(np.ascontiguousarray(x, dtype="<f4").tobytes()).decode()


def tiny_part(work: Path, fixtures: Path, a) -> dict:
    from transformers import LlavaNextForConditionalGeneration

    torch.manual_seed(0)
    pad_to = 1200
    config = next_config("mistral", 2, 2, tiny=True, vocab=pad_to + 2, image_token=pad_to, pad=pad_to + 1)
    model = LlavaNextForConditionalGeneration(config).eval()
    use_attention(model, "eager")
    sharpen_attention(model, 4.0)
    processor = build_next_processor(config, pad_to=pad_to)
    out = fixtures / "llava-next-tiny"
    manifest = export_llava(model, processor, out, name="llava-next-tiny-random", template=template_for("mistral"),
                            force=True)
    img = test_image(640, 480).resize((150, 100))
    img.save(out / "image.png")
    r = compare(model, processor, out, manifest, img, a.threads, decode_steps=1)
    enc, ref, lo, qs, pres, sources = r.pop("_ref")
    m = r["prompt_length"]
    rows = {str(i): f32_b64(ref.attentions[i][0, :, -1, :].numpy()) for i in range(manifest["layers"])}
    reference = {
        "what": "transformers (eager, fp32) on image.png with the processor; tools/hf/verify_llava_next.py",
        "prompt": PROMPT, "image": "image.png", "image_size": list(img.size),
        "input_ids": enc["input_ids"][0].tolist(),
        "pixel_values_shape": list(enc["pixel_values"][0].shape), "pixel_values_f32": f32_b64(enc["pixel_values"][0].numpy()),
        "image_tokens": r["processor_image_tokens"], "sources": sources,
        "logits_last_f32": f32_b64(ref.logits[0, -1].numpy()), "logits_all_argmax": ref.logits[0].argmax(-1).tolist(),
        "attention_last_row_f32": rows, "attention_shape": [manifest["heads"], m],
        "checks_onnxruntime": {k: v for k, v in r.items()},
    }
    (out / "reference.json").write_text(json.dumps(reference, indent=1) + "\n")
    return {"pass": r["pass"], "worst_logits": r["worst_logits"], "worst_probs": r["worst_attention_probs"],
            "bytes": {f.name: f.stat().st_size for f in sorted(out.iterdir())}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", required=True)
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--text-layers", type=int, default=2)
    ap.add_argument("--vision-layers", type=int, default=2)
    ap.add_argument("--sharpen", type=float, default=2.0)
    ap.add_argument("--threads", type=int, default=max(1, torch.get_num_threads()))
    ap.add_argument("--parts", default="layout,tiny,mistral,vicuna")
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
            else:
                summary[part] = full_width_part(part, work, fixtures, a)
        except Exception as e:  # noqa: BLE001 - report every part, then fail
            import traceback

            traceback.print_exc()
            summary[part] = {"pass": False, "error": f"{type(e).__name__}: {e}"}
        summary[part]["seconds"] = round(time.time() - t, 1)
        print("PART", part, json.dumps(summary[part]), flush=True)
    print("SUMMARY", json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
