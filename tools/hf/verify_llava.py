"""Verify tools/export_hf.py on a randomly initialised LLaVA-1.5 (the real 7B configuration, shrunk in
depth) against transformers, and write the measured differences as a JSON fixture.

    python3 -m tools.hf.verify_llava --work .scratch/hf --fixture test/fixtures/hf-export/llava-1.5.json \
        [--text-layers 2] [--vision-layers 2] [--divide 2]

No weights are downloaded: the model is built from `LlavaConfig` with the LLaVA-1.5-7B values, the
tokenizer is a small BPE trained in code (Llama-style normaliser, byte fallback) with `<image>` at
id 32000 and `<pad>` at 32001, and the image processor is CLIP's with the LLaVA-1.5 settings.

Checked, onnxruntime (CPU) on the exported package vs transformers (eager attention, fp32, CPU):
  - the prompt's image-token count and positions (and all ids) built the runtime's way (template
    split at the placeholder, segments encoded on their own) vs the LlavaProcessor's input_ids;
  - vision.onnx features vs get_image_features; embed.onnx vs the input embeddings;
  - logits of a prefill over the processor's input and of 2 greedy decode steps vs the HF model;
  - attention probabilities rebuilt from queries.{i} and present.{i}.key (ALGORITHMS §1, f64) vs
    transformers' eager attention weights (output_attentions) for the prefill and the decode steps;
  - present.{i}.key/.value vs the HF cache;
  - key_bias = -inf on some prompt keys (different per layer) vs those keys removed from the cache
    (per-layer cache lengths differ), and a 3-token teacher-forced block vs 3 single steps.
"""
from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch

from tools.export_hf import FILES, export_llava, use_attention

LOGITS_TOL = 1e-3
PROBS_TOL = 1e-4
PROMPT = "What is shown in this picture? Describe the shapes and their colours."


def llava15_config(text_layers: int, vision_layers: int, k: int = 1):
    """LLaVA-1.5-7B's configuration with the given depths; widths and head counts divided by k."""
    from transformers import CLIPVisionConfig, LlamaConfig, LlavaConfig

    vision = CLIPVisionConfig(hidden_size=1024 // k, intermediate_size=4096 // k, num_hidden_layers=vision_layers,
                              num_attention_heads=16 // k, image_size=336, patch_size=14, projection_dim=768,
                              hidden_act="quick_gelu", layer_norm_eps=1e-5)
    text = LlamaConfig(hidden_size=4096 // k, intermediate_size=11008 // k, num_hidden_layers=text_layers,
                       num_attention_heads=32 // k, num_key_value_heads=32 // k, vocab_size=32064,
                       max_position_embeddings=4096, rms_norm_eps=1e-5, bos_token_id=1, eos_token_id=2,
                       pad_token_id=32001, tie_word_embeddings=False)
    return LlavaConfig(vision_config=vision, text_config=text, image_token_index=32000, projector_hidden_act="gelu",
                       vision_feature_layer=-2, vision_feature_select_strategy="default", image_seq_length=576,
                       architectures=["LlavaForConditionalGeneration"])


CORPUS = [
    "USER: What is shown in this picture? ASSISTANT: A red circle and a blue square on a white background.",
    "Describe the shapes and their colours. There are three shapes: a green triangle, a yellow star and a circle.",
    "The picture shows a small house next to a tall tree, under a bright sun in a clear sky.",
    "How many objects are there in the image? There are four objects in the image.",
    "Where is the dog? The dog is sitting on the left, in front of the red door.",
]


def build_tokenizer(pad_to: int = 32000):
    """A Llama-style BPE: Prepend("▁") + Replace(" ", "▁") normaliser, byte fallback, <s> prepended;
    the vocabulary padded to `pad_to` (32000) so <image> = 32000 and <pad> = 32001 as in
    llava-hf/llava-1.5 (small fixtures pass a smaller `pad_to`)."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    # Train on words (no merge crosses a word start), then encode without a pre-tokenizer, as Llama.
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="never", split=True)
    byte_tokens = [f"<0x{b:02X}>" for b in range(256)]
    tr = trainers.BpeTrainer(vocab_size=1200, special_tokens=["<unk>", "<s>", "</s>"] + byte_tokens,
                             initial_alphabet=list("▁abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,:?!'"))
    tok.train_from_iterator(CORPUS * 20, tr)
    j = json.loads(tok.to_str())
    j["pre_tokenizer"] = None
    vocab = j["model"]["vocab"]
    for i in range(len(vocab), pad_to):
        vocab[f"<unused{i}>"] = i
    j["added_tokens"] = [t for t in j["added_tokens"] if t["content"] in ("<unk>", "<s>", "</s>")]
    for content, i in (("<image>", pad_to), ("<pad>", pad_to + 1)):
        vocab[content] = i
        j["added_tokens"].append({"id": i, "content": content, "single_word": False, "lstrip": False,
                                  "rstrip": False, "normalized": False, "special": True})
    t = Tokenizer.from_str(json.dumps(j))
    t.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0)])
    t.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", 1)])
    assert t.token_to_id("<image>") == pad_to and t.token_to_id("<pad>") == pad_to + 1, "special ids"
    return t


def build_processor():
    from transformers import LlavaProcessor, PreTrainedTokenizerFast

    try:
        from transformers import CLIPImageProcessorPil as ImageProcessor
    except ImportError:  # older transformers
        from transformers import CLIPImageProcessor as ImageProcessor
    tok = PreTrainedTokenizerFast(tokenizer_object=build_tokenizer(), bos_token="<s>", eos_token="</s>",
                                  unk_token="<unk>", pad_token="<pad>")
    ip = ImageProcessor(size={"shortest_edge": 336}, crop_size={"height": 336, "width": 336}, resample=3,
                        do_center_crop=True, image_mean=[0.48145466, 0.4578275, 0.40821073],
                        image_std=[0.26862954, 0.26130258, 0.27577711])
    return LlavaProcessor(image_processor=ip, tokenizer=tok, patch_size=14, vision_feature_select_strategy="default",
                          image_token="<image>", num_additional_image_tokens=1)


def test_image(w: int = 640, h: int = 480):
    """A real-size, non-square picture with shapes (deterministic)."""
    from PIL import Image, ImageDraw

    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([x * 255 // w, y * 255 // h, (x + y) * 255 // (w + h)], axis=-1).astype(np.uint8)
    img = Image.fromarray(base)
    d = ImageDraw.Draw(img)
    d.ellipse((60, 80, 260, 280), fill=(220, 30, 30))
    d.rectangle((360, 120, 560, 320), fill=(30, 60, 220))
    d.polygon([(300, 420), (380, 300), (460, 420)], fill=(30, 180, 60))
    return img


def maxdiff(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.max(np.abs(a - b))) if a.size else 0.0


def probs_from_qk(q, k, t_past: int, scale: float, bias=None):
    """ALGORITHMS §1 in f64: q [H, n, D] at positions t_past.., k [Hkv, T, D] -> [H, n, T]; invisible
    keys (j > query position, or bias -inf) get 0 and stay out of the softmax."""
    H, n, _ = q.shape
    g = H // k.shape[0]
    q64, k64 = q.astype(np.float64), k.astype(np.float64)
    out = np.zeros((H, n, k.shape[1]))
    vis = np.arange(k.shape[1])[None, :] <= (t_past + np.arange(n))[:, None]
    for h in range(H):
        z = scale * q64[h] @ k64[h // g].T
        v = vis.copy()
        if bias is not None:
            v &= np.isfinite(bias[h // g])[None, :]
        z = np.where(v, z, -np.inf)
        z = z - z.max(axis=1, keepdims=True)
        e = np.where(v, np.exp(z), 0.0)
        out[h] = e / e.sum(axis=1, keepdims=True)
    return out


class Package:
    def __init__(self, pkg: Path, threads: int):
        import onnxruntime as ort

        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        self.manifest = json.loads((pkg / "model.json").read_text())
        m = self.manifest
        self.L, self.kv, self.d = m["layers"], m["kvHeads"], m["headDim"]
        mk = lambda f: ort.InferenceSession(str(pkg / f), so, providers=["CPUExecutionProvider"])  # noqa: E731
        self.vision, self.embed, self.dec = mk(FILES["vision"]), mk(FILES["embed"]), mk(FILES["decoder"])
        self.out_names = [o.name for o in self.dec.get_outputs()]

    def embeds(self, ids):
        return self.embed.run(None, {"input_ids": np.array([ids], dtype=np.int64)})[0]

    def step(self, embeds, positions, past, bias=None):
        feed = {"inputs_embeds": embeds.astype(np.float32), "position_ids": np.array([positions], dtype=np.int64)}
        n = embeds.shape[1]
        for i in range(self.L):
            feed[f"past_key_values.{i}.key"], feed[f"past_key_values.{i}.value"] = past[i]
            t = past[i][0].shape[2] + n
            feed[f"key_bias.{i}"] = (bias[i] if bias is not None else np.zeros((1, self.kv, 1, t))).astype(np.float32)
        res = dict(zip(self.out_names, self.dec.run(None, feed)))
        present = [(res[f"present.{i}.key"], res[f"present.{i}.value"]) for i in range(self.L)]
        return res["logits"], present, [res[f"queries.{i}"] for i in range(self.L)]

    def empty_past(self):
        z = np.zeros((1, self.kv, 0, self.d), np.float32)
        return [(z, z) for _ in range(self.L)]


def runtime_prompt_ids(tokenizer_json: Path, manifest: dict, prompt: str) -> list[int]:
    """analysis/model/prompt.ts renderPrompt: [bos] + ids(before) + [image] x n_img + ids(after)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(tokenizer_json))
    p = manifest["prompt"]
    before, after = p["template"].replace(p["promptPlaceholder"], prompt.strip()).split(p["imagePlaceholder"])
    lay = manifest["image"]["layout"]
    ids = [] if manifest["tokens"]["bos"] is None else [manifest["tokens"]["bos"]]
    ids += tok.encode(before, add_special_tokens=False).ids
    ids += [manifest["tokens"]["image"]] * (lay["rows"] * lay["cols"])
    ids += tok.encode(after, add_special_tokens=False).ids
    return ids


CHAT_TEMPLATE = (
    "{% for m in messages %}{% if m['role'] == 'user' %}USER: "
    "{% for c in m['content'] %}{% if c['type'] == 'image' %}<image>\n{% else %}{{ c['text'] }}{% endif %}{% endfor %} "
    "{% else %}ASSISTANT: {{ m['content'][0]['text'] }}</s>{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}ASSISTANT:{% endif %}"
)


def cli_checks(work: Path) -> dict:
    """The command line on checkpoint folders: a small random LLaVA-1.5 saved with save_pretrained
    (its chat template gives the prompt template), and bad inputs that must fail with a clear
    message and leave nothing behind."""
    import contextlib
    import io

    from transformers import LlamaConfig, LlamaForCausalLM, LlavaForConditionalGeneration

    from tools.export_hf import main as export_main

    def run(args):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            rc = export_main(args)
        return rc, err.getvalue().strip().splitlines()[-1] if err.getvalue().strip() else ""

    def leftovers(parent: Path, name: str):
        return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}.partial-"))

    res = {}
    torch.manual_seed(1)
    ckpt = work / "ckpt-small"
    model = LlavaForConditionalGeneration(llava15_config(1, 1, 16))
    proc = build_processor()
    proc.chat_template = CHAT_TEMPLATE
    model.save_pretrained(ckpt)
    proc.save_pretrained(ckpt)
    out = work / "cli-pkg"
    rc, msg = run(["--model", str(ckpt), "--out", str(out), "--max-length", "2048", "--force"])
    man = json.loads((out / "model.json").read_text()) if rc == 0 else {}
    res["checkpoint_folder"] = {"exit": rc, "template": man.get("prompt", {}).get("template"),
                                "maxPositions": man.get("maxPositions"), "files": sorted(man.get("hashes", {})),
                                "leftovers": leftovers(work, "cli-pkg")}
    rc, msg = run(["--model", str(ckpt), "--out", str(out)])
    res["existing_output"] = {"exit": rc, "message": msg}
    # a text-only checkpoint
    txt = work / "ckpt-text-only"
    LlamaForCausalLM(LlamaConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=1, num_attention_heads=2,
                                 vocab_size=100)).save_pretrained(txt)
    rc, msg = run(["--model", str(txt), "--out", str(work / "bad-pkg")])
    res["text_only_checkpoint"] = {"exit": rc, "message": msg, "out_exists": (work / "bad-pkg").exists()}
    # a LLaVA whose decoder is not supported yet, and a CLS-keeping feature strategy
    cfg = json.loads((ckpt / "config.json").read_text())
    odd = work / "ckpt-unsupported"
    odd.mkdir(exist_ok=True)
    cfg["text_config"]["model_type"] = "gemma"
    cfg["vision_feature_select_strategy"] = "full"
    (odd / "config.json").write_text(json.dumps(cfg))
    rc, msg = run(["--model", str(odd), "--out", str(work / "bad-pkg")])
    res["unsupported_llava"] = {"exit": rc, "out_exists": (work / "bad-pkg").exists()}
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        export_main(["--model", str(odd), "--out", str(work / "bad-pkg")])
    res["unsupported_llava"]["message"] = err.getvalue().strip().splitlines()
    res["leftovers"] = leftovers(work, "bad-pkg") + leftovers(work, "cli-pkg")
    res["pass"] = bool(res["checkpoint_folder"]["exit"] == 0 and res["checkpoint_folder"]["template"] == "USER: <image>\n{prompt} ASSISTANT:"
                       and res["existing_output"]["exit"] == 2 and res["text_only_checkpoint"]["exit"] == 2
                       and res["unsupported_llava"]["exit"] == 2 and not res["text_only_checkpoint"]["out_exists"]
                       and not res["unsupported_llava"]["out_exists"] and not res["leftovers"])
    return res


def sharpen_attention(model, factor: float) -> None:
    """Random init gives nearly flat attention; scale q/k projections so the probabilities have
    real peaks and a wrong rotary or mask would show well above the tolerance."""
    with torch.no_grad():
        for layer in model.model.language_model.layers:
            layer.self_attn.q_proj.weight.mul_(factor)
            layer.self_attn.k_proj.weight.mul_(factor)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", required=True, help="scratch folder for the exported package")
    ap.add_argument("--fixture", required=True)
    ap.add_argument("--text-layers", type=int, default=2)
    ap.add_argument("--vision-layers", type=int, default=2)
    ap.add_argument("--divide", type=int, default=1, help="divide hidden sizes and head counts by this (2: halve)")
    ap.add_argument("--sharpen", type=float, default=2.0)
    ap.add_argument("--threads", type=int, default=max(1, (torch.get_num_threads())))
    a = ap.parse_args()

    import onnxruntime
    import transformers
    from transformers import DynamicCache, LlavaForConditionalGeneration

    t0 = time.time()
    torch.manual_seed(0)
    config = llava15_config(a.text_layers, a.vision_layers, a.divide)
    model = LlavaForConditionalGeneration(config).eval()
    use_attention(model, "eager")
    sharpen_attention(model, a.sharpen)
    processor = build_processor()
    t_build = time.time() - t0

    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    cli = cli_checks(work)
    print("cli", json.dumps(cli), flush=True)

    # -- export

    pkg = work / "llava-1.5-random"
    t = time.time()
    manifest = export_llava(model, processor, pkg, name="llava-1.5-7b-random-shrunk", force=True)
    t_export = time.time() - t
    use_attention(model, "eager")  # the reference runs on transformers' own eager attention
    P = Package(pkg, a.threads)
    scale = manifest["attention"]["scale"]
    L, kv, d = P.L, P.kv, P.d

    # -- prompt: processor vs the runtime's rendering
    img = test_image()
    text = manifest["prompt"]["template"].replace("{prompt}", PROMPT)
    enc = processor(images=img, text=text, return_tensors="pt")
    hf_ids = enc["input_ids"][0].tolist()
    rt_ids = runtime_prompt_ids(pkg / FILES["tokenizer"], manifest, PROMPT)
    image_id = manifest["tokens"]["image"]
    hf_pos = [i for i, x in enumerate(hf_ids) if x == image_id]
    rt_pos = [i for i, x in enumerate(rt_ids) if x == image_id]
    first_diff = next((i for i, (x, y) in enumerate(zip(hf_ids, rt_ids)) if x != y), None)
    prompt_report = {
        "template": manifest["prompt"]["template"], "prompt": PROMPT, "image_size": list(img.size),
        "processor_length": len(hf_ids), "runtime_length": len(rt_ids),
        "processor_image_tokens": len(hf_pos), "runtime_image_tokens": len(rt_pos),
        "processor_image_span": [hf_pos[0], hf_pos[-1]] if hf_pos else None,
        "runtime_image_span": [rt_pos[0], rt_pos[-1]] if rt_pos else None,
        "image_positions_equal": hf_pos == rt_pos, "ids_equal": hf_ids == rt_ids, "first_differing_index": first_diff,
    }
    print("prompt", prompt_report, flush=True)

    # -- reference: transformers eager on the processor's input (prefill), then 2 greedy decode steps
    ids_t = enc["input_ids"]
    pix = enc["pixel_values"].float()
    with torch.no_grad():
        ref = model(input_ids=ids_t, pixel_values=pix, output_attentions=True, use_cache=True, return_dict=True)
        ref_feats = model.model.get_image_features(pixel_values=pix, vision_feature_layer=config.vision_feature_layer,
                                                   vision_feature_select_strategy=config.vision_feature_select_strategy,
                                                   return_dict=True).pooler_output
        ref_feats = torch.cat(list(ref_feats), dim=0)[None].numpy()
        ref_embeds = model.get_input_embeddings()(ids_t).numpy()
    m = len(hf_ids)

    # -- the package, fed the way the runtime feeds it
    feats = P.vision.run(None, {"pixel_values": pix.numpy()})[0]
    emb = P.embeds(hf_ids)
    embed_diff = maxdiff(emb, ref_embeds)
    emb[:, hf_pos] = feats[0]
    lo, pres, qs = P.step(emb, list(range(m)), P.empty_past())
    steps = [{
        "kind": "prefill", "n": m, "past": 0,
        "logits": maxdiff(lo, ref.logits.numpy()),
        "attention_probs_rebuilt_vs_eager": max(maxdiff(probs_from_qk(qs[i][0], pres[i][0][0], 0, scale), ref.attentions[i][0].numpy()) for i in range(L)),
        "present": max(max(maxdiff(pres[i][0], ref.past_key_values.layers[i].keys.numpy()),
                           maxdiff(pres[i][1], ref.past_key_values.layers[i].values.numpy())) for i in range(L)),
        "eager_max_prob_median": float(np.median(np.concatenate([ref.attentions[i][0].numpy().max(-1).ravel() for i in range(L)]))),
    }]
    print("prefill", steps[0], flush=True)
    cache = ref.past_key_values
    ref_logits, past = ref.logits, pres
    prefill_present = pres
    for s in range(2):
        nxt = int(ref_logits[0, -1].argmax())
        with torch.no_grad():
            r = model(input_ids=torch.tensor([[nxt]]), past_key_values=cache, use_cache=True, output_attentions=True,
                      return_dict=True)
        lo_s, pres_s, qs_s = P.step(P.embeds([nxt]), [m + s], past)
        t_past = past[0][0].shape[2]
        steps.append({
            "kind": f"decode {s + 1}", "n": 1, "past": t_past, "token": nxt,
            "logits": maxdiff(lo_s, r.logits.numpy()),
            "attention_probs_rebuilt_vs_eager": max(maxdiff(probs_from_qk(qs_s[i][0], pres_s[i][0][0], t_past, scale), r.attentions[i][0].numpy()) for i in range(L)),
            "present": max(max(maxdiff(pres_s[i][0], r.past_key_values.layers[i].keys.numpy()),
                               maxdiff(pres_s[i][1], r.past_key_values.layers[i].values.numpy())) for i in range(L)),
            "argmax_equal": int(lo_s[0, -1].argmax()) == int(r.logits[0, -1].argmax()),
        })
        print(steps[-1], flush=True)
        cache, ref_logits, past = r.past_key_values, r.logits, pres_s
    gen = [s["token"] for s in steps[1:]]

    # -- the contract's own properties on the package
    # teacher-forced block of 3 vs 3 single steps
    t3 = gen + [int(ref_logits[0, -1].argmax())]
    lb, _, _ = P.step(P.embeds(t3), [m, m + 1, m + 2], prefill_present)
    single, pst = [], prefill_present
    for s, tk in enumerate(t3):
        ls, pst, _ = P.step(P.embeds([tk]), [m + s], pst)
        single.append(ls[0, -1])
    block_vs_steps = maxdiff(lb[0], np.stack(single))
    # key_bias = -inf on prompt keys vs the keys removed (different count per layer)
    rng = np.random.default_rng(0)
    evicted = [np.sort(rng.choice(np.arange(1, m - 1), size=40 + 150 * i, replace=False)) for i in range(L)]
    keep = [np.setdiff1d(np.arange(m), e) for e in evicted]
    bias = []
    for i in range(L):
        b = np.zeros((1, kv, 1, m + 1), np.float32)
        b[..., evicted[i]] = -np.inf
        bias.append(b)
    e1 = P.embeds([gen[0]])
    la, pa, qa = P.step(e1, [m], prefill_present, bias)
    compact = [(prefill_present[i][0][:, :, keep[i]], prefill_present[i][1][:, :, keep[i]]) for i in range(L)]
    lb2, pb, qb = P.step(e1, [m], compact)
    kept_cols = [keep[i].tolist() + [m] for i in range(L)]
    eviction = {
        "evicted_per_layer": [int(len(x)) for x in evicted], "cache_lengths_per_layer": [int(len(x)) for x in keep],
        "logits_bias_vs_removed": maxdiff(la, lb2),
        "probs_on_kept_keys": max(maxdiff(probs_from_qk(qa[i][0], pa[i][0][0], m, scale, bias[i][0, :, 0])[:, :, kept_cols[i]],
                                          probs_from_qk(qb[i][0], pb[i][0][0], len(keep[i]), scale)) for i in range(L)),
    }

    vision_diff = maxdiff(feats, ref_feats)
    worst_logits = max(s["logits"] for s in steps)
    worst_probs = max(s["attention_probs_rebuilt_vs_eager"] for s in steps)
    passed = bool(worst_logits <= LOGITS_TOL and worst_probs <= PROBS_TOL and prompt_report["image_positions_equal"]
                  and prompt_report["runtime_image_tokens"] == prompt_report["processor_image_tokens"] == 576
                  and eviction["logits_bias_vs_removed"] <= LOGITS_TOL and block_vs_steps <= LOGITS_TOL and cli["pass"])
    files = {f.name: f.stat().st_size for f in sorted(pkg.iterdir())}
    report = {
        "what": "tools/export_hf.py on a random LLaVA-1.5-7B configuration shrunk in depth; onnxruntime CPU vs transformers eager (fp32, CPU)",
        "tolerances": {"logits": LOGITS_TOL, "attention_probs": PROBS_TOL},
        "pass": passed,
        "versions": {"python": platform.python_version(), "torch": torch.__version__, "transformers": transformers.__version__,
                     "onnxruntime": onnxruntime.__version__},
        "model": {k: manifest[k] for k in ("layers", "heads", "kvHeads", "headDim", "hidden", "vocabSize", "maxPositions")}
        | {"vision_layers": a.vision_layers, "vision_hidden": config.vision_config.hidden_size,
           "vision_heads": config.vision_config.num_attention_heads, "width_divisor": a.divide,
           "qk_weight_scale": a.sharpen, "image": manifest["image"], "tokens": manifest["tokens"]},
        "package_files_bytes": files,
        "prompt": prompt_report,
        "vision_features_ort_vs_hf": vision_diff,
        "embed_ort_vs_hf": embed_diff,
        "steps": steps,
        "worst_logits": worst_logits,
        "worst_attention_probs": worst_probs,
        "teacher_forced_block_vs_steps_logits": block_vs_steps,
        "key_bias_eviction": eviction,
        "command_line": cli,
        "seconds": {"build": round(t_build, 1), "export": round(t_export, 1), "total": round(time.time() - t0, 1)},
    }
    fx = Path(a.fixture)
    fx.parent.mkdir(parents=True, exist_ok=True)
    fx.write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps({k: report[k] for k in ("pass", "worst_logits", "worst_attention_probs", "vision_features_ort_vs_hf",
                                              "teacher_forced_block_vs_steps_logits", "key_bias_eviction", "seconds")}), flush=True)


if __name__ == "__main__":
    main()
