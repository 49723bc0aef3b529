"""Write the shipped demo samples and the held-out eval set.

    /usr/bin/python3 -m tools.shapes_vlm.make_assets            # assets/eval and assets/samples

Seeds never overlap: training draws scene seeds >= TRAIN_SEED_BASE, the eval set uses
EVAL_SEED_BASE + i, the larger generated check set CHECK_SEED_BASE + i, samples SAMPLE_SEED_BASE + k.
"""
from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from .scenes import PlacementError, make_scene, render
from .tasks import TASKS, Item, check_item, make_item, valid_questions

TRAIN_SEED_BASE = 1_000_000_000
EVAL_SEED_BASE = 10_000_000
CHECK_SEED_BASE = 20_000_000
SAMPLE_SEED_BASE = 30_000_000
N_EVAL = 600  # 100 per task type


def eval_item(i: int, base: int = EVAL_SEED_BASE) -> Item:
    return make_item(base + i, TASKS[i % len(TASKS)])


def eval_image_name(i: int) -> str:
    return f"eval_{i:04d}.png"


def sample_scenes(k: int):
    """Demo scene k: several objects, a number on every other one."""
    rng = random.Random(SAMPLE_SEED_BASE + k)
    n = (2, 4, 5, 3, 6, 4, 5, 3, 6, 1)[k]
    while True:
        try:
            scene = make_scene(rng, [(None, None)] * n, with_number=k % 2 == 0)
            break
        except PlacementError:
            continue
    scene.seed = SAMPLE_SEED_BASE + k
    by_task: dict[str, list] = {}
    for task, q, a in valid_questions(scene):
        by_task.setdefault(task, []).append((q, a))
    qa = [rng.choice(by_task[t]) for t in TASKS if t in by_task]
    return scene, qa


def main() -> None:
    from PIL import Image

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default="assets")
    a = ap.parse_args()
    root = Path(a.root)

    ev = root / "eval"
    ev.mkdir(parents=True, exist_ok=True)
    with open(ev / "items.jsonl", "w") as f:
        for i in range(N_EVAL):
            it = eval_item(i)
            check_item(it)
            Image.fromarray(render(it.scene)).save(ev / eval_image_name(i), optimize=True)
            f.write(json.dumps({"image": eval_image_name(i), "question": it.question, "answer": it.answer, "task": it.task}) + "\n")

    sm = root / "samples"
    sm.mkdir(parents=True, exist_ok=True)
    listing, answers = [], []
    for k in range(10):
        scene, qa = sample_scenes(k)
        name = f"sample_{k:02d}.png"
        Image.fromarray(render(scene)).save(sm / name, optimize=True)
        listing.append({"image": name, "questions": [q for q, _ in qa]})
        answers.append({"image": name, "answers": [ans for _, ans in qa]})
    (sm / "samples.json").write_text(json.dumps(listing, indent=2) + "\n")
    print(json.dumps(answers, indent=1))


if __name__ == "__main__":
    main()
