"""Questions and answers about synthetic scenes, the vocabulary, prompt construction and scoring.

Task types (the `task` field of assets/eval/items.jsonl):
  colour    "what colour is the triangle?"          -> "the triangle is red"
  shape     "what shape is the red object?"         -> "the red object is a triangle"
  count     "how many circles are there?"           -> "the number of circles is 3"
  position  "where is the blue star?"               -> "the blue star is on the left"
  number    "what number is written in the picture?"-> "the number is 47"
  caption   "describe the picture."                 -> "a red circle, a blue square and the number 47"

Short answers are sentences whose LAST word is the answer part; everything before it is a lead-in
fixed by the question, so the informative token is never the first generated one (ALGORITHMS §0).
Questions are only asked when they are unambiguous for the scene.

    /usr/bin/python3 -m tools.shapes_vlm.tasks --count 12     # print a few items
"""
from __future__ import annotations

import argparse
import random
import re
import string
from collections import Counter
from dataclasses import dataclass

from .scenes import COLOURS, REGIONS, SHAPES, PlacementError, Scene, make_scene, region_of

TASKS = ("colour", "shape", "count", "position", "number", "caption")
N_IMAGE_TOKENS = 576
TEMPLATE = "a helpful assistant answers questions about the picture . USER: <image>\n{prompt} ASSISTANT:"
IMAGE_PLACEHOLDER = "<image>"
PROMPT_PLACEHOLDER = "{prompt}"
SPECIALS = ("<pad>", "<s>", "</s>", "<image>", "<unk>")  # ids 0..4
PAD, BOS, EOS, IMAGE, UNK = range(5)

NUMBER_PROB = 0.3  # share of non-number scenes that carry a distractor number

Q_COLOUR = ("what colour is the {d}?", "what is the colour of the {d}?", "which colour does the {d} have?")
Q_SHAPE = ("what shape is the {c} object?", "which shape is {c}?", "what is the shape of the {c} object?")
Q_COUNT_SHAPE = ("how many {p} are there?", "count the {p}.", "how many {p} can you see?")
Q_COUNT_COLOUR = ("how many {c} objects are there?", "count the {c} objects.", "how many {c} objects can you see?")
Q_POSITION = ("where is the {d}?", "in which part of the picture is the {d}?")
Q_NUMBER = ("what number is written in the picture?", "which number can you see?", "read the number.")
Q_CAPTION = ("describe the picture.", "what is in the picture?", "list the objects in the picture.")
POSITION_PHRASE = {"left": "on the left", "right": "on the right", "top": "at the top", "bottom": "at the bottom", "centre": "in the centre"}


@dataclass
class Item:
    seed: int
    task: str
    question: str
    answer: str
    scene: Scene


# ---------------------------------------------------------------- text and tokens

_WORD = re.compile(r"\w+|[^\w\s]+")
_DIGITS = re.compile(r"\d|\D+")


def pretokenize(text: str) -> list[str]:
    """Lowercase + Whitespace + individual Digits, as the tokenizer.json pipeline does."""
    out = []
    for piece in _WORD.findall(text.lower()):
        out.extend(_DIGITS.findall(piece))
    return out


def article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def plural(shape: str) -> str:
    return shape + "s"


def _all_texts() -> list[str]:
    pre, post = TEMPLATE.split(IMAGE_PLACEHOLDER)
    texts = [pre, post.replace(PROMPT_PLACEHOLDER, "")]
    texts += list(Q_NUMBER) + list(Q_CAPTION) + [str(d) for d in range(10)]
    descs = list(SHAPES) + [f"{c} {s}" for c in COLOURS for s in SHAPES]
    for d in descs:
        texts += [q.format(d=d) for q in Q_COLOUR + Q_POSITION]
        texts += [f"the {d} is {c}" for c in COLOURS] + [f"the {d} is {POSITION_PHRASE[r]}" for r in REGIONS]
    for c in COLOURS:
        texts += [q.format(c=c) for q in Q_SHAPE + Q_COUNT_COLOUR]
        texts += [f"the {c} object is a {s}" for s in SHAPES] + [f"the number of {c} objects is 0"]
    for s in SHAPES:
        texts += [q.format(p=plural(s)) for q in Q_COUNT_SHAPE] + [f"the number of {plural(s)} is 0"]
    texts += ["a red circle, an orange square and the number 47", "the number is 0"]
    return texts


def vocab_tokens() -> list[str]:
    """Every token of the template, the questions and the answers, specials first (ids 0..4)."""
    words = sorted({t for text in _all_texts() for t in pretokenize(text)})
    return list(SPECIALS) + words


VOCAB = {t: i for i, t in enumerate(vocab_tokens())}
ID_TO_TOKEN = {i: t for t, i in VOCAB.items()}


def encode_segment(text: str) -> list[int]:
    """ids of a text segment without special tokens (the runtime's add_special_tokens=false)."""
    return [VOCAB.get(t, UNK) for t in pretokenize(text)]


def prompt_ids(question: str) -> list[int]:
    """[bos] + ids(text before <image>) + [image] * 576 + ids(text after, question substituted)."""
    pre, post = TEMPLATE.split(IMAGE_PLACEHOLDER)
    return [BOS] + encode_segment(pre) + [IMAGE] * N_IMAGE_TOKENS + encode_segment(post.replace(PROMPT_PLACEHOLDER, question))


def image_start() -> int:
    return 1 + len(encode_segment(TEMPLATE.split(IMAGE_PLACEHOLDER)[0]))


def answer_ids(answer: str) -> list[int]:
    return encode_segment(answer) + [EOS]


def detokenize(ids: list[int]) -> str:
    """Python mirror of tokenizer.json's decoder (WordPiece join + cleanup, digits fused)."""
    toks = [ID_TO_TOKEN[i] for i in ids if i >= len(SPECIALS)]
    text = " ".join(toks)
    for p in (".", "?", "!", ","):
        text = text.replace(" " + p, p)
    return re.sub(r"(?<=[0-9]) (?=[0-9])", "", text)


# ---------------------------------------------------------------- scoring (ALGORITHMS §7)

_PUNCT = str.maketrans("", "", string.punctuation)


def normalise(text: str) -> str:
    return " ".join(text.lower().translate(_PUNCT).split())


def f1(pred: str, ref: str) -> float:
    p, r = normalise(pred).split(), normalise(ref).split()
    common = sum((Counter(p) & Counter(r)).values())
    if common == 0:
        return 0.0
    prec, rec = common / len(p), common / len(r)
    return 2 * prec * rec / (prec + rec)


def score(task: str, pred: str, ref: str) -> float:
    """Captions: bag-of-words F1. Short answers: exact match of the normalised sentence, i.e. the
    fixed lead-in (all words but the last) and the answer part (the last word)."""
    if task == "caption":
        return f1(pred, ref)
    return float(normalise(pred) == normalise(ref))


def answer_part(answer: str) -> str:
    words = normalise(answer).split()
    return words[-1] if words else ""


# ---------------------------------------------------------------- items


def caption(scene: Scene) -> str:
    objs = sorted(scene.objects, key=lambda o: (o.cx, o.cy))
    parts = [f"{article(o.colour)} {o.colour} {o.shape}" for o in objs]
    if scene.number is not None:
        parts.append(f"the number {scene.number.value}")
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _position_desc(scene: Scene, o) -> str | None:
    """The shortest unambiguous description of object o ("star" or "blue star"), or None."""
    if sum(x.shape == o.shape for x in scene.objects) == 1:
        return o.shape
    if sum(x.shape == o.shape and x.colour == o.colour for x in scene.objects) == 1:
        return f"{o.colour} {o.shape}"
    return None


def _with_number(rng: random.Random) -> bool:
    return rng.random() < NUMBER_PROB


def _build(rng: random.Random, task: str) -> tuple[Scene, str, str]:
    n = rng.randint(1, 6)
    if task == "colour":
        s = rng.choice(SHAPES)
        scene = make_scene(rng, [(s, None)] + [(None, None)] * (n - 1), _with_number(rng), avoid=lambda sh, c: sh == s)
        o = scene.objects[0]
        return scene, rng.choice(Q_COLOUR).format(d=s), f"the {s} is {o.colour}"
    if task == "shape":
        c = rng.choice(COLOURS)
        scene = make_scene(rng, [(None, c)] + [(None, None)] * (n - 1), _with_number(rng), avoid=lambda sh, cc: cc == c)
        o = scene.objects[0]
        return scene, rng.choice(Q_SHAPE).format(c=c), f"the {c} object is a {o.shape}"
    if task == "count":
        k = rng.randint(0, 6)
        n = rng.randint(max(k, 1), 6)
        if rng.random() < 0.5:
            s = rng.choice(SHAPES)
            specs = [(s, None)] * k + [(None, None)] * (n - k)
            scene = make_scene(rng, specs, _with_number(rng), avoid=lambda sh, c: sh == s)
            return scene, rng.choice(Q_COUNT_SHAPE).format(p=plural(s)), f"the number of {plural(s)} is {k}"
        c = rng.choice(COLOURS)
        specs = [(None, c)] * k + [(None, None)] * (n - k)
        scene = make_scene(rng, specs, _with_number(rng), avoid=lambda sh, cc: cc == c)
        return scene, rng.choice(Q_COUNT_COLOUR).format(c=c), f"the number of {c} objects is {k}"
    if task == "position":
        region = rng.choice(REGIONS)
        s, c = rng.choice(SHAPES), rng.choice(COLOURS)
        if rng.random() < 0.5:
            desc, avoid = s, (lambda sh, cc: sh == s)
        else:
            desc, avoid = f"{c} {s}", (lambda sh, cc: sh == s and cc == c)
        scene = make_scene(rng, [(s, c)] + [(None, None)] * (n - 1), _with_number(rng), avoid=avoid, region0=region)
        return scene, rng.choice(Q_POSITION).format(d=desc), f"the {desc} is {POSITION_PHRASE[region]}"
    if task == "number":
        n = rng.randint(0, 5)
        scene = make_scene(rng, [(None, None)] * n, True)
        return scene, rng.choice(Q_NUMBER), f"the number is {scene.number.value}"
    if task == "caption":
        scene = make_scene(rng, [(None, None)] * n, _with_number(rng))
        return scene, rng.choice(Q_CAPTION), caption(scene)
    raise ValueError(task)


def make_item(seed: int, task: str | None = None) -> Item:
    """One item from a seed; the task is drawn uniformly when not given."""
    rng = random.Random(seed)
    if task is None:
        task = rng.choice(TASKS)
    for _ in range(1000):
        try:
            scene, q, a = _build(rng, task)
        except PlacementError:
            continue
        scene.seed = seed
        return Item(seed, task, q, a, scene)
    raise RuntimeError(f"seed {seed}: no scene for task {task}")


def valid_questions(scene: Scene) -> list[tuple[str, str, str]]:
    """All (task, question, answer) triples that are unambiguous for a given scene (first phrasing)."""
    out = []
    shapes = Counter(o.shape for o in scene.objects)
    colours = Counter(o.colour for o in scene.objects)
    for o in scene.objects:
        if shapes[o.shape] == 1:
            out.append(("colour", Q_COLOUR[0].format(d=o.shape), f"the {o.shape} is {o.colour}"))
        if colours[o.colour] == 1:
            out.append(("shape", Q_SHAPE[0].format(c=o.colour), f"the {o.colour} object is a {o.shape}"))
        d, region = _position_desc(scene, o), region_of(o.cx, o.cy)
        if d is not None and region is not None:
            out.append(("position", Q_POSITION[0].format(d=d), f"the {d} is {POSITION_PHRASE[region]}"))
    for s in sorted(shapes):
        out.append(("count", Q_COUNT_SHAPE[0].format(p=plural(s)), f"the number of {plural(s)} is {shapes[s]}"))
    for c in sorted(colours):
        out.append(("count", Q_COUNT_COLOUR[0].format(c=c), f"the number of {c} objects is {colours[c]}"))
    if scene.number is not None:
        out.append(("number", Q_NUMBER[0], f"the number is {scene.number.value}"))
    out.append(("caption", Q_CAPTION[0], caption(scene)))
    return out


def check_item(item: Item) -> None:
    """Assert that the item's answer is what the scene says (guards the constrained generation)."""
    sc, a = item.scene, item.answer
    objs = sc.objects
    if item.task == "caption":
        assert a == caption(sc)
    elif item.task == "number":
        assert a == f"the number is {sc.number.value}"
    elif item.task == "count":
        subject, k = a[len("the number of ") :].rsplit(" is ", 1)
        if subject.endswith(" objects"):
            n = sum(o.colour == subject.split()[0] for o in objs)
        else:
            n = sum(plural(o.shape) == subject for o in objs)
        assert n == int(k), (item.question, a, n)
    else:
        words = a.split()
        if item.task == "colour":
            hits = [o for o in objs if o.shape == words[1]]
            assert len(hits) == 1 and hits[0].colour == words[-1], (item.question, a)
        elif item.task == "shape":
            hits = [o for o in objs if o.colour == words[1]]
            assert len(hits) == 1 and hits[0].shape == words[-1], (item.question, a)
        else:
            desc = a[len("the ") :].split(" is ")[0].split()
            hits = [o for o in objs if o.shape == desc[-1] and (len(desc) == 1 or o.colour == desc[0])]
            assert len(hits) == 1 and region_of(hits[0].cx, hits[0].cy) == words[-1], (item.question, a)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--count", type=int, default=12)
    a = ap.parse_args()
    print(len(VOCAB), "tokens in the vocabulary")
    for i in range(a.count):
        it = make_item(a.seed + i)
        check_item(it)
        print(f"[{it.task}] {it.question} -> {it.answer}")


if __name__ == "__main__":
    main()
