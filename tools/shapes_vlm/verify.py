"""Check an exported package against the PyTorch model and write the test fixtures.

    python3 -m tools.shapes_vlm.verify --ckpt .scratch/run --pkg .scratch/run/pkg \
        --fixtures test/fixtures/bundled-model --preds .scratch/run/preds.jsonl

onnxruntime (CPU) vs PyTorch (CPU, fp32):
  - vision / embed / decoder outputs (logits, present.*, queries.*) for a prefill and three decode steps;
  - attention probabilities rebuilt from queries.{i} and present.{i}.key as ALGORITHMS §1 says
    (f64, causal, max-subtracted softmax) vs the model's own eager attention;
  - decoding with key_bias = -inf on some prompt keys (a different set per layer) vs decoding with
    those keys physically removed from a per-layer cache of different lengths;
  - the tokenizer.json pipeline vs the ids used in training;
  - greedy answers of the ONNX package on the shipped eval items vs PyTorch's.
Writes verification.json and reference.json (3 eval items: prompt ids, greedy ids and text, top-5
of the first step's logits) for the TypeScript runtime's tests.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch

from .evaluate import MAX_NEW, load_model
from .export import FILES, NOQ
from .model import normalise_pixels
from .tasks import EOS, IMAGE_PLACEHOLDER, PROMPT_PLACEHOLDER, TEMPLATE, TASKS, detokenize, encode_segment, image_start, prompt_ids, score

TOL = 1e-4


def maxdiff(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.max(np.abs(a - b))) if a.size else 0.0


def probs_from_qk(q: np.ndarray, k: np.ndarray, t_past: int, scale: float, bias: np.ndarray | None = None) -> np.ndarray:
    """ALGORITHMS §1: q [H, n, D] (rows at positions t_past..), k [Hkv, T, D] -> A [H, n, T] in f64.
    Invisible keys (j > q, or bias -inf) get probability 0 and do not enter the softmax."""
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
    def __init__(self, pkg: Path, layers: int, decoder_file: str = FILES["decoder"]):
        so = ort.SessionOptions()
        so.intra_op_num_threads = 8
        self.vision = ort.InferenceSession(str(pkg / FILES["vision"]), so, providers=["CPUExecutionProvider"])
        self.embed = ort.InferenceSession(str(pkg / FILES["embed"]), so, providers=["CPUExecutionProvider"])
        self.dec = ort.InferenceSession(str(pkg / decoder_file), so, providers=["CPUExecutionProvider"])
        self.layers = layers
        self.out_names = [o.name for o in self.dec.get_outputs()]

    def embeds(self, ids, feats):
        e = self.embed.run(None, {"input_ids": np.array([ids], dtype=np.int64)})[0]
        s = image_start()
        e[:, s : s + feats.shape[1]] = feats
        return e

    def step(self, embeds, positions, past, bias):
        feed = {"inputs_embeds": embeds.astype(np.float32), "position_ids": np.array([positions], dtype=np.int64)}
        for i in range(self.layers):
            feed[f"past_key_values.{i}.key"], feed[f"past_key_values.{i}.value"] = past[i]
            feed[f"key_bias.{i}"] = bias[i].astype(np.float32)
        res = dict(zip(self.out_names, self.dec.run(None, feed)))
        present = [(res[f"present.{i}.key"], res[f"present.{i}.value"]) for i in range(self.layers)]
        queries = [res.get(f"queries.{i}") for i in range(self.layers)]
        return res["logits"], present, queries

    def empty_past(self, kv, d):
        return [(np.zeros((1, kv, 0, d), np.float32), np.zeros((1, kv, 0, d), np.float32)) for _ in range(self.layers)]

    def greedy(self, pixels, question, kv, d, max_new=MAX_NEW):
        feats = self.vision.run(None, {"pixel_values": pixels})[0]
        ids = prompt_ids(question)
        m = len(ids)
        logits, past, _ = self.step(self.embeds(ids, feats), list(range(m)), self.empty_past(kv, d), [np.zeros((1, kv, 1, m))] * self.layers)
        first = logits[0, -1].copy()
        gen = []
        for t in range(max_new):
            nxt = int(np.argmax(logits[0, -1]))
            gen.append(nxt)
            if nxt == EOS or t == max_new - 1:
                break
            e = self.embed.run(None, {"input_ids": np.array([[nxt]], dtype=np.int64)})[0]
            bias = [np.zeros((1, kv, 1, past[i][0].shape[2] + 1)) for i in range(self.layers)]
            logits, past, _ = self.step(e, [m + t], past, bias)
        return ids, gen, first


def torch_cached(model, embeds, positions, past, bias):
    with torch.no_grad():
        logits, presents, queries, probs = model.lm.forward_cached(
            torch.from_numpy(embeds).float(), torch.tensor([positions]),
            [(torch.from_numpy(k), torch.from_numpy(v)) for k, v in past],
            [torch.from_numpy(b.astype(np.float32)) for b in bias],
        )
    return logits.numpy(), [(k.numpy(), v.numpy()) for k, v in presents], [q.numpy() for q in queries], [p.numpy() for p in probs]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--pkg", required=True)
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--eval-dir", default="assets/eval")
    ap.add_argument("--preds", default=None, help="PyTorch greedy predictions from evaluate.py")
    ap.add_argument("--ort-eval-seconds", type=float, default=120)
    a = ap.parse_args()
    from PIL import Image
    from tokenizers import Tokenizer

    torch.set_num_threads(8)
    t0 = time.time()
    pkg, fx = Path(a.pkg), Path(a.fixtures)
    fx.mkdir(parents=True, exist_ok=True)
    model = load_model(a.ckpt, "cpu")
    c = model.c
    L, kv, d, H = c.layers, c.kv_heads, c.head_dim, c.heads
    P = Package(pkg, L)
    manifest = json.loads((pkg / "model.json").read_text())
    scale = manifest["attention"]["scale"]
    report: dict = {"tolerance": TOL, "model": {k: manifest[k] for k in ("layers", "heads", "kvHeads", "headDim", "hidden", "vocabSize")}}

    ev_dir = Path(a.eval_dir)
    items = [json.loads(line) for line in (ev_dir / "items.jsonl").read_text().splitlines()]

    def pixels_of(it):
        img = np.asarray(Image.open(ev_dir / it["image"]).convert("RGB"))
        return normalise_pixels(torch.from_numpy(img[None].copy())).numpy()

    # -- tokenizer
    tok = Tokenizer.from_file(str(pkg / FILES["tokenizer"]))
    pre, post = TEMPLATE.split(IMAGE_PLACEHOLDER)
    texts = [pre, post.replace(PROMPT_PLACEHOLDER, "")] + [it["question"] for it in items] + [it["answer"] for it in items]
    enc_mismatch = sum(tok.encode(t, add_special_tokens=False).ids != encode_segment(t) for t in texts)
    unk = sum(4 in encode_segment(t) for t in texts)
    dec_mismatch = sum(tok.decode(encode_segment(it["answer"]) + [EOS], skip_special_tokens=True) != it["answer"] for it in items)
    report["tokenizer"] = {"texts": len(texts), "encode_mismatches": enc_mismatch, "unknown_words": unk,
                           "answers_decoded": len(items), "decode_mismatches": dec_mismatch,
                           "example_decode": tok.decode(encode_segment(items[4]["answer"]) + [EOS], skip_special_tokens=True)}
    print("tokenizer", report["tokenizer"], flush=True)

    # -- vision + embed
    it = items[0]
    pix = pixels_of(it)
    feats = P.vision.run(None, {"pixel_values": pix})[0]
    with torch.no_grad():
        tv_eager = model.vision(torch.from_numpy(pix), eager=True).numpy()
        tv_fused = model.vision(torch.from_numpy(pix)).numpy()
    ids = prompt_ids(it["question"])
    m = len(ids)
    emb = P.embeds(ids, feats)
    with torch.no_grad():
        temb = model.embed_with_image(torch.tensor([ids]), torch.from_numpy(tv_eager), image_start()).numpy()
    report["vision"] = {"ort_vs_torch": maxdiff(feats, tv_eager), "torch_fused_vs_eager": maxdiff(tv_fused, tv_eager)}
    report["embed"] = {"ort_vs_torch": maxdiff(emb, temb)}

    # -- prefill + 3 decode steps: ORT vs torch, probabilities rebuilt from queries/keys vs eager
    steps = []
    past_o, past_t = P.empty_past(kv, d), P.empty_past(kv, d)
    cur_emb, positions = emb, list(range(m))
    for s in range(4):
        bias = [np.zeros((1, kv, 1, past_o[i][0].shape[2] + len(positions)), np.float32) for i in range(L)]
        lo, pres_o, q_o = P.step(cur_emb, positions, past_o, bias)[0:3]
        lt, pres_t, q_t, probs_t = torch_cached(model, cur_emb, positions, past_t, bias)
        t_past = past_o[0][0].shape[2]
        rec = max(maxdiff(probs_from_qk(q_o[i][0], pres_o[i][0][0], t_past, scale), probs_t[i][0]) for i in range(L))
        steps.append({
            "kind": "prefill" if s == 0 else f"decode {s}", "n": len(positions), "past": t_past,
            "logits": maxdiff(lo, lt),
            "present": max(max(maxdiff(pres_o[i][0], pres_t[i][0]), maxdiff(pres_o[i][1], pres_t[i][1])) for i in range(L)),
            "queries": max(maxdiff(q_o[i], q_t[i]) for i in range(L)),
            "attention_probs_rebuilt_vs_eager": rec,
        })
        nxt = int(np.argmax(lo[0, -1]))
        cur_emb = P.embed.run(None, {"input_ids": np.array([[nxt]], dtype=np.int64)})[0]
        positions = [m + s]
        past_o, past_t = pres_o, pres_t
    report["ort_vs_torch_steps"] = steps
    print("steps", steps, flush=True)

    # -- torch internal: fused training path vs the cached eager path, and a teacher-forced block
    with torch.no_grad():
        lt_train = model.lm.forward_train(torch.from_numpy(emb)).numpy()
    lo_prefill, pres_prefill, _ = P.step(emb, list(range(m)), P.empty_past(kv, d), [np.zeros((1, kv, 1, m))] * L)
    report["train_path_vs_cached_prefill_logits"] = maxdiff(lt_train, lo_prefill)
    gen3 = []
    lg, past = lo_prefill, pres_prefill
    step_logits = []
    for s in range(3):
        nxt = int(np.argmax(lg[0, -1]))
        gen3.append(nxt)
        e = P.embed.run(None, {"input_ids": np.array([[nxt]], dtype=np.int64)})[0]
        lg, past, _ = P.step(e, [m + s], past, [np.zeros((1, kv, 1, past[i][0].shape[2] + 1)) for i in range(L)])
        step_logits.append(lg[0, -1])
    eb = P.embed.run(None, {"input_ids": np.array([gen3], dtype=np.int64)})[0]
    lb, _, _ = P.step(eb, [m, m + 1, m + 2], pres_prefill, [np.zeros((1, kv, 1, m + 3))] * L)
    report["teacher_forced_block_vs_steps_logits"] = maxdiff(lb[0], np.stack(step_logits))

    # -- key_bias eviction == physically removed keys (different cache lengths per layer)
    rng = np.random.default_rng(0)
    s_img = image_start()
    evicted = []
    for i in range(L):
        cand = np.arange(1, m - 1)  # keep bos and the last prompt token
        k_n = 60 + 70 * i
        evicted.append(np.sort(rng.choice(cand, size=k_n, replace=False)))
    keep = [np.setdiff1d(np.arange(m), e) for e in evicted]
    past_a = pres_prefill
    past_b = [(pres_prefill[i][0][:, :, keep[i]], pres_prefill[i][1][:, :, keep[i]]) for i in range(L)]
    bias_a_prompt = []
    for i in range(L):
        b = np.zeros((1, kv, 1, m), np.float32)
        b[..., evicted[i]] = -np.inf
        bias_a_prompt.append(b)
    nxt = int(np.argmax(lo_prefill[0, -1]))  # y0 comes from the full prefill (ALGORITHMS §0)
    ev_steps, toks_a, toks_b = [], [nxt], [nxt]
    for s in range(6):
        e = P.embed.run(None, {"input_ids": np.array([[toks_a[-1]]], dtype=np.int64)})[0]
        ba = [np.concatenate([bias_a_prompt[i], np.zeros((1, kv, 1, past_a[i][0].shape[2] - m + 1), np.float32)], axis=3) for i in range(L)]
        bb = [np.zeros((1, kv, 1, past_b[i][0].shape[2] + 1), np.float32) for i in range(L)]
        la, past_a, qa = P.step(e, [m + s], past_a, ba)
        lb_, past_b, qb = P.step(e, [m + s], past_b, bb)
        rec = max(maxdiff(probs_from_qk(qa[i][0], past_a[i][0][0], past_a[i][0].shape[2] - 1, scale, ba[i][0, :, 0])[:, :, keep[i].tolist() + list(range(m, past_a[i][0].shape[2]))],
                          probs_from_qk(qb[i][0], past_b[i][0][0], past_b[i][0].shape[2] - 1, scale)) for i in range(L))
        ev_steps.append({"step": s + 1, "logits": maxdiff(la, lb_), "probs_on_kept_keys": rec,
                         "new_keys": max(maxdiff(past_a[i][0][:, :, -1], past_b[i][0][:, :, -1]) for i in range(L))})
        toks_a.append(int(np.argmax(la[0, -1])))
        toks_b.append(int(np.argmax(lb_[0, -1])))
    with torch.no_grad():  # the same masked decode through the PyTorch eager path
        lt_mask = torch_cached(model, P.embed.run(None, {"input_ids": np.array([[nxt]], dtype=np.int64)})[0], [m], pres_prefill,
                               [np.concatenate([bias_a_prompt[i], np.zeros((1, kv, 1, 1), np.float32)], axis=3) for i in range(L)])[0]
    report["key_bias_eviction"] = {
        "evicted_per_layer": [int(len(e)) for e in evicted], "cache_lengths_per_layer": [int(len(k)) for k in keep],
        "steps": ev_steps, "tokens_bias": toks_a, "tokens_removed": toks_b, "tokens_equal": toks_a == toks_b,
        "torch_vs_ort_masked_first_step_logits": maxdiff(lt_mask, P.step(
            P.embed.run(None, {"input_ids": np.array([[nxt]], dtype=np.int64)})[0], [m], pres_prefill,
            [np.concatenate([bias_a_prompt[i], np.zeros((1, kv, 1, 1), np.float32)], axis=3) for i in range(L)])[0]),
    }
    print("eviction", report["key_bias_eviction"], flush=True)

    # -- decoder.noq.onnx gives the same logits and caches
    Pn = Package(pkg, L, NOQ)
    ln, pn, _ = Pn.step(emb, list(range(m)), P.empty_past(kv, d), [np.zeros((1, kv, 1, m))] * L)
    report["noq_vs_decoder"] = max(maxdiff(ln, lo_prefill), max(maxdiff(pn[i][0], pres_prefill[i][0]) for i in range(L)))
    report["noq_outputs"] = Pn.out_names[: 3] + ["..."] + Pn.out_names[-1:]

    # -- reference fixture for the TypeScript runtime: one colour, one number, one caption item
    refs = []
    for idx in (next(i for i, x in enumerate(items) if x["task"] == t) for t in ("colour", "number", "caption")):
        x = items[idx]
        pids, gen, first = P.greedy(pixels_of(x), x["question"], kv, d)
        top = np.argsort(-first, kind="stable")[:5]
        refs.append({
            "image": f"assets/eval/{x['image']}", "question": x["question"], "answer": x["answer"], "task": x["task"],
            "prompt_ids": pids, "prompt_length": len(pids), "image_token_start": image_start(),
            "generated_ids": gen, "generated_text": detokenize([g for g in gen if g != EOS]),
            "generated_text_tokenizer_decode": tok.decode(gen, skip_special_tokens=True),
            "first_step_top5": {"ids": [int(i) for i in top], "logits": [float(first[i]) for i in top]},
        })
    (fx / "reference.json").write_text(json.dumps({
        "package": "assets/models/shapes-vlm", "max_new_tokens": MAX_NEW, "decoding": "greedy, full cache, stops at eos (included)",
        "preprocessing": "RGB, /255, (x - 0.5) / 0.5, NCHW; the eval PNGs are already 192x192", "items": refs}, indent=1) + "\n")

    # -- greedy answers of the ONNX package on the shipped eval items vs PyTorch (GPU) predictions
    preds = [json.loads(line) for line in Path(a.preds).read_text().splitlines()] if a.preds else None
    t1, done, agree, scores = time.time(), 0, 0, {t: [] for t in TASKS}
    order = sorted(range(len(items)), key=lambda i: (i // len(TASKS), i))  # round-robin over tasks
    for i in order:
        if time.time() - t1 > a.ort_eval_seconds:
            break
        x = items[i]
        _, gen, _ = P.greedy(pixels_of(x), x["question"], kv, d)
        text = detokenize([g for g in gen if g != EOS])
        scores[x["task"]].append(score(x["task"], text, x["answer"]))
        if preds is not None:
            agree += text == preds[i]["prediction"]
        done += 1
    report["onnx_greedy_eval"] = {
        "items": done, "accuracy": {t: float(np.mean(v)) for t, v in scores.items() if v},
        "identical_to_pytorch_gpu_greedy": agree if preds is not None else None, "seconds": round(time.time() - t1, 1)}
    print("onnx eval", report["onnx_greedy_eval"], flush=True)

    worst = max([s[k] for s in steps for k in ("logits", "present", "queries", "attention_probs_rebuilt_vs_eager")]
                + [s["logits"] for s in ev_steps] + [s["probs_on_kept_keys"] for s in ev_steps]
                + [report["vision"]["ort_vs_torch"], report["embed"]["ort_vs_torch"], report["noq_vs_decoder"],
                   report["key_bias_eviction"]["torch_vs_ort_masked_first_step_logits"]])
    report["worst_diff"] = worst
    report["pass"] = bool(worst <= TOL and report["key_bias_eviction"]["tokens_equal"] and enc_mismatch == 0 and dec_mismatch == 0 and unk == 0)
    report["seconds"] = round(time.time() - t0, 1)
    (fx / "verification.json").write_text(json.dumps(report, indent=1) + "\n")
    print("verification pass:", report["pass"], "worst diff", worst, flush=True)


if __name__ == "__main__":
    main()
