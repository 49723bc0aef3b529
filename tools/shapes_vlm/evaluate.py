"""Held-out accuracy of a trained checkpoint (GPU machine, PyTorch fp32, greedy, full cache).

    python3 -m tools.shapes_vlm.evaluate --ckpt .scratch/run --out .scratch/run/eval.json

Scores (ALGORITHMS §7) the shipped eval set (assets/eval, read from its PNG files) and a larger
generated check set, each with the real image and with a blank (uniform grey) one, and compares
the blank-image accuracy with each task's most frequent training answer.
"""
from __future__ import annotations

import argparse
import json
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import torch

from .make_assets import CHECK_SEED_BASE, TRAIN_SEED_BASE, eval_item
from .model import VLM, Config, normalise_pixels
from .scenes import blank_image, render
from .tasks import EOS, PAD, TASKS, answer_part, detokenize, f1, image_start, make_item, prompt_ids, score

MAX_NEW = 32


def load_model(ckpt_dir: str, device: str) -> VLM:
    cfg = Config(**json.loads((Path(ckpt_dir) / "config.json").read_text()))
    model = VLM(cfg)
    model.vision.load_state_dict(torch.load(Path(ckpt_dir) / "ckpt_vision.pt", map_location="cpu"))
    model.lm.load_state_dict(torch.load(Path(ckpt_dir) / "ckpt_lm.pt", map_location="cpu"))
    return model.to(device).eval()


@torch.no_grad()
def greedy(model: VLM, images: np.ndarray, questions: list[str], device, batch: int = 200) -> list[list[int]]:
    """Greedy decoding (full cache, no KV reuse: each step re-runs the right-padded batch, which is
    exact under causal attention). Returns generated ids, eos included when produced."""
    img_start = image_start()
    out: list[list[int]] = []
    for s in range(0, len(questions), batch):
        qs = questions[s : s + batch]
        feats = model.vision(normalise_pixels(torch.from_numpy(images[s : s + batch]).to(device)))
        prompts = [prompt_ids(q) for q in qs]
        b = len(qs)
        cur = torch.tensor([len(p) for p in prompts], device=device)
        ids = torch.full((b, int(cur.max()) + MAX_NEW), PAD, dtype=torch.long, device=device)
        for i, p in enumerate(prompts):
            ids[i, : len(p)] = torch.tensor(p)
        done = torch.zeros(b, dtype=torch.bool, device=device)
        gen = [[] for _ in range(b)]
        rows = torch.arange(b, device=device)
        for _ in range(MAX_NEW):
            width = int(cur.max())
            logits = model.lm.forward_train(model.embed_with_image(ids[:, :width], feats, img_start))
            nxt = logits[rows, cur - 1].argmax(-1)
            live = ~done
            ids[rows[live], cur[live]] = nxt[live]
            for i in rows[live].tolist():
                gen[i].append(int(nxt[i]))
            cur = cur + live.long()
            done = done | (nxt == EOS)
            if bool(done.all()):
                break
        out.extend(gen)
    return out


def text_of(ids: list[int]) -> str:
    return detokenize([i for i in ids if i != EOS])


def score_all(items, gen):
    per = defaultdict(list)
    for it, g in zip(items, gen):
        per[it["task"]].append(score(it["task"], text_of(g), it["answer"]))
    return {t: float(np.mean(per[t])) for t in TASKS if per[t]}


def majority_baseline(n_train: int, check_items):
    """Most frequent training answer per task (answer part for short answers, the whole caption
    for captions) and its rate; for captions also its mean F1 against the check captions."""
    parts, caps = defaultdict(Counter), Counter()
    for j in range(n_train):
        it = make_item(TRAIN_SEED_BASE + j)  # exactly the first training items
        if it.task == "caption":
            caps[it.answer] += 1
        else:
            parts[it.task][answer_part(it.answer)] += 1
    base = {}
    for t in TASKS:
        if t == "caption":
            top, c = caps.most_common(1)[0]
            refs = [it["answer"] for it in check_items if it["task"] == "caption"]
            base[t] = {"answer": top, "train_rate": c / sum(caps.values()), "rate": float(np.mean([f1(top, r) for r in refs])), "measure": "mean F1 of that caption"}
        else:
            top, c = parts[t].most_common(1)[0]
            base[t] = {"answer": top, "train_rate": c / sum(parts[t].values()), "rate": c / sum(parts[t].values()), "measure": "share of training answers"}
    return base


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--eval-dir", default="assets/eval")
    ap.add_argument("--check", type=int, default=3000)
    ap.add_argument("--train-sample", type=int, default=30000)
    ap.add_argument("--preds", default=None, help="write the shipped-set predictions (jsonl) here")
    a = ap.parse_args()
    from PIL import Image

    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = load_model(a.ckpt, device)
    t0 = time.time()

    ev_dir = Path(a.eval_dir)
    shipped = [json.loads(line) for line in (ev_dir / "items.jsonl").read_text().splitlines()]
    shipped_imgs = np.stack([np.asarray(Image.open(ev_dir / it["image"]).convert("RGB")) for it in shipped])
    regen_pixel_mismatch, regen_text_mismatch = 0, 0
    for i, it in enumerate(shipped):
        g = eval_item(i)
        regen_text_mismatch += (g.question, g.answer, g.task) != (it["question"], it["answer"], it["task"])
        regen_pixel_mismatch += not np.array_equal(render(g.scene), shipped_imgs[i])

    check_gen = [eval_item(i, base=CHECK_SEED_BASE) for i in range(a.check)]
    check = [{"question": g.question, "answer": g.answer, "task": g.task} for g in check_gen]
    check_imgs = np.stack([render(g.scene) for g in check_gen])

    blank = lambda n: np.broadcast_to(blank_image(), (n, *blank_image().shape)).copy()  # noqa: E731
    res = {}
    gen_shipped = greedy(model, shipped_imgs, [it["question"] for it in shipped], device)
    res["shipped"] = score_all(shipped, gen_shipped)
    res["shipped_blank"] = score_all(shipped, greedy(model, blank(len(shipped)), [it["question"] for it in shipped], device))
    res["check"] = score_all(check, greedy(model, check_imgs, [it["question"] for it in check], device))
    res["check_blank"] = score_all(check, greedy(model, blank(len(check)), [it["question"] for it in check], device))
    base = majority_baseline(a.train_sample, check)
    blank_check = {
        t: {
            "blank_accuracy_check": res["check_blank"][t],
            "blank_accuracy_shipped": res["shipped_blank"][t],
            "most_frequent_training_answer": base[t]["answer"],
            "baseline_rate": base[t]["rate"],
            "baseline_measure": base[t]["measure"],
            "limit": base[t]["rate"] + 0.05,
            "passes": res["check_blank"][t] <= base[t]["rate"] + 0.05,
        }
        for t in TASKS
    }
    counts = Counter(it["task"] for it in shipped)
    report = {
        "shipped_eval": {"items": len(shipped), "per_task_items": dict(counts), "accuracy": res["shipped"]},
        "check_set": {"items": len(check), "seed_base": CHECK_SEED_BASE, "accuracy": res["check"]},
        "blank_image": {"pixel": [128, 128, 128], "per_task": blank_check},
        "regenerated_from_seeds": {"question_answer_mismatches": regen_text_mismatch, "pixel_mismatches": regen_pixel_mismatch},
        "seconds": round(time.time() - t0, 1),
    }
    Path(a.out).write_text(json.dumps(report, indent=1))
    if a.preds:
        with open(a.preds, "w") as f:
            for it, g in zip(shipped, gen_shipped):
                f.write(json.dumps({**it, "prediction": text_of(g), "score": score(it["task"], text_of(g), it["answer"])}) + "\n")
    for k in ("shipped", "check", "shipped_blank", "check_blank"):
        print(k.ljust(14), " ".join(f"{t} {res[k][t]:.3f}" for t in TASKS), flush=True)
    print("blank limits   ", " ".join(f"{t} {base[t]['rate'] + 0.05:.3f}" for t in TASKS))
    print("regenerated mismatches: text", regen_text_mismatch, "pixels", regen_pixel_mismatch, f"({report['seconds']}s)")


if __name__ == "__main__":
    main()
