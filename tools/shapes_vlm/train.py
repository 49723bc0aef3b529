"""Train the bundled VLM (GPU machine). Scenes are generated on the fly by CPU worker processes.

    python3 -m tools.shapes_vlm.train --steps 6000 --batch 256 --max-minutes 7 --out .scratch/run

Writes <out>/ckpt_vision.pt, <out>/ckpt_lm.pt, <out>/config.json and <out>/train_log.json (loss
curve, teacher-forced held-out accuracy per task type). The learning rate follows a cosine over
progress = max(step / steps, elapsed / max-minutes), so the run always ends decayed within its time.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import time
from collections import defaultdict

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from .make_assets import CHECK_SEED_BASE, TRAIN_SEED_BASE
from .model import VLM, Config, count_params, normalise_pixels
from .scenes import render
from .tasks import PAD, TASKS, VOCAB, answer_ids, image_start, make_item, prompt_ids

HELDOUT_SEED_BASE = CHECK_SEED_BASE + 500_000  # teacher-forced monitor set, disjoint from the rest
SEQ_LEN = 640


def collate(items, images):
    seqs = [(prompt_ids(it.question), answer_ids(it.answer)) for it in items]
    L = SEQ_LEN  # fixed, so that a compiled step never sees a new shape
    assert max(len(p) + len(a) for p, a in seqs) <= L
    ids = np.full((len(items), L), PAD, dtype=np.int64)
    tgt = np.full((len(items), L), -100, dtype=np.int64)
    task = np.array([TASKS.index(it.task) for it in items], dtype=np.int64)
    for i, (p, a) in enumerate(seqs):
        ids[i, : len(p) + len(a)] = p + a
        tgt[i, len(p) - 1 : len(p) - 1 + len(a)] = a
    return {
        "images": torch.from_numpy(np.stack(images)),
        "ids": torch.from_numpy(ids),
        "targets": torch.from_numpy(tgt),
        "task": torch.from_numpy(task),
    }


def make_batch(seeds):
    items = [make_item(s) for s in seeds]
    return collate(items, [render(it.scene) for it in items])


class Stream(IterableDataset):
    """Batch b holds the items with seeds base + b * batch + j; worker w makes batches w, w + W, ...
    and the loader interleaves workers in order, so the stream is the same for any worker count."""

    def __init__(self, batch: int, base: int):
        self.batch, self.base = batch, base

    def __iter__(self):
        info = get_worker_info()
        wid, nw = (info.id, info.num_workers) if info else (0, 1)
        b = wid
        while True:
            yield make_batch(range(self.base + b * self.batch, self.base + (b + 1) * self.batch))
            b += nw


def forward_loss(model: VLM, batch, device, img_start: int):
    images = batch["images"].to(device, non_blocking=True)
    ids = batch["ids"].to(device, non_blocking=True)
    tgt = batch["targets"].to(device, non_blocking=True)
    feats = model.vision(normalise_pixels(images))
    emb = model.embed_with_image(ids, feats, img_start)
    first = img_start + feats.shape[1]
    logits = model.lm.forward_train(emb, first_logit=first)
    t = tgt[:, first:]
    loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), t.reshape(-1), ignore_index=-100)
    return loss, logits, t


@torch.no_grad()
def heldout_accuracy(model, batches, device, img_start):
    """Teacher-forced: an item counts when every answer token (and eos) is the argmax."""
    model.eval()
    ok, n = defaultdict(int), defaultdict(int)
    for b in batches:
        with torch.autocast("cuda", dtype=torch.bfloat16):
            _, logits, t = forward_loss(model, b, device, img_start)
        pred = logits.argmax(-1)
        good = ((pred == t) | (t == -100)).all(dim=1).cpu()
        for task_id, g in zip(b["task"].tolist(), good.tolist()):
            ok[TASKS[task_id]] += g
            n[TASKS[task_id]] += 1
    model.train()
    return {k: ok[k] / n[k] for k in TASKS if n[k]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=6000)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=1.2e-3)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--weight-decay", type=float, default=0.05)
    ap.add_argument("--max-minutes", type=float, default=7.0)
    ap.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 2) - 2))
    ap.add_argument("--compile", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--log-every", type=int, default=25)
    ap.add_argument("--eval-every", type=int, default=500)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)

    torch.manual_seed(a.seed)
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    device = torch.device("cuda")
    cfg = Config(vocab=len(VOCAB))
    model = VLM(cfg).to(device)
    n_vis, n_lm = count_params(model.vision), count_params(model.lm)
    print(f"params: vision+projector {n_vis:,}  language {n_lm:,}  total {n_vis + n_lm:,}", flush=True)
    img_start = image_start()

    decay = [p for n_, p in model.named_parameters() if p.ndim >= 2 and "pos" not in n_]
    no_decay = [p for n_, p in model.named_parameters() if not (p.ndim >= 2 and "pos" not in n_)]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": a.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=a.lr, betas=(0.9, 0.95), fused=True,
    )
    step_fn = torch.compile(forward_loss) if a.compile else forward_loss

    heldout = [make_batch(range(HELDOUT_SEED_BASE + i * 200, HELDOUT_SEED_BASE + (i + 1) * 200)) for i in range(3)]
    loader = DataLoader(
        Stream(a.batch, TRAIN_SEED_BASE), batch_size=None, num_workers=a.workers,
        pin_memory=True, prefetch_factor=4, persistent_workers=True,
    )
    log = {"args": vars(a), "config": cfg.to_dict(), "params": {"vision": n_vis, "language": n_lm}, "loss": [], "heldout": []}
    t0 = time.time()
    t_first = None
    wait = 0.0
    skipped = 0
    running = torch.zeros((), device=device)
    step = 0
    it = iter(loader)
    model.train()
    while True:
        elapsed = time.time() - t0
        progress = max(step / a.steps, elapsed / (a.max_minutes * 60))
        if progress >= 1.0:
            break
        lr = a.lr * min(1.0, (step + 1) / a.warmup) * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress)))
        for g in opt.param_groups:
            g["lr"] = lr
        tw = time.time()
        batch = next(it)
        wait += time.time() - tw
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss, _, _ = step_fn(model, batch, device, img_start)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        if torch.isfinite(grad_norm):
            opt.step()
            running += loss.detach()
        else:  # an overflowing batch would turn every weight into NaN: skip its update
            skipped += 1
            opt.zero_grad(set_to_none=True)
        step += 1
        if step == 1:
            t_first = time.time() - t0
            print(f"first step after {t_first:.1f}s", flush=True)
        if step % a.log_every == 0:
            el = time.time() - t0
            mean = running.item() / a.log_every
            running.zero_()
            log["loss"].append({"step": step, "seconds": round(el, 1), "loss": round(mean, 5), "lr": lr})
            print(f"step {step} {el:.0f}s loss {mean:.4f} lr {lr:.2e} waited-for-data {wait:.1f}s skipped {skipped}", flush=True)
        if step % a.eval_every == 0:
            acc = heldout_accuracy(model, heldout, device, img_start)
            log["heldout"].append({"step": step, "seconds": round(time.time() - t0, 1), "teacher_forced_exact": acc})
            print(f"heldout step {step}: " + " ".join(f"{k} {v:.3f}" for k, v in acc.items()), flush=True)
    train_s = time.time() - t0
    acc = heldout_accuracy(model, heldout, device, img_start)
    log["heldout"].append({"step": step, "seconds": round(train_s, 1), "teacher_forced_exact": acc})
    log["summary"] = {
        "steps": step, "train_seconds": round(train_s, 1), "items_seen": step * a.batch,
        "first_step_seconds": round(t_first or 0, 1), "data_wait_seconds": round(wait, 1), "skipped_nonfinite_steps": skipped,
        "gpu": torch.cuda.get_device_name(0), "torch": torch.__version__,
    }
    print(f"done: {step} steps in {train_s:.0f}s; heldout " + " ".join(f"{k} {v:.3f}" for k, v in acc.items()), flush=True)
    torch.save({k: v.float().cpu() for k, v in model.vision.state_dict().items()}, os.path.join(a.out, "ckpt_vision.pt"))
    torch.save({k: v.float().cpu() for k, v in model.lm.state_dict().items()}, os.path.join(a.out, "ckpt_lm.pt"))
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(cfg.to_dict(), f, indent=1)
    with open(os.path.join(a.out, "train_log.json"), "w") as f:
        json.dump(log, f, indent=1)
    os._exit(0)  # do not wait for the persistent loader workers


if __name__ == "__main__":
    main()
