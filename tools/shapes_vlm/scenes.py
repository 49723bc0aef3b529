"""Synthetic scenes for the bundled VLM: 192x192 RGB pictures of coloured shapes on textured
backgrounds, some with a 1-3 digit number.

Everything is drawn with integer/float arithmetic in numpy (no fonts, no PIL drawing, no
transcendental functions at draw time), and every random choice comes from Python's
`random.Random`, so the same seed gives the same pixels on any machine and numpy version.

    /usr/bin/python3 -m tools.shapes_vlm.scenes --seed 7 --out /tmp/scene.png
"""
from __future__ import annotations

import argparse
import math
import random
from dataclasses import dataclass, field

import numpy as np

SIZE = 192
SHAPES = ("circle", "square", "triangle", "star", "diamond", "hexagon")
COLOURS = ("red", "orange", "yellow", "green", "cyan", "blue", "purple", "pink")
RGB = {
    "red": (220, 35, 35),
    "orange": (245, 140, 25),
    "yellow": (240, 225, 40),
    "green": (40, 170, 50),
    "cyan": (40, 210, 225),
    "blue": (35, 65, 225),
    "purple": (145, 50, 200),
    "pink": (250, 135, 200),
}
SIZES = ("small", "big")
RADIUS = {"small": (10, 12), "big": (17, 20)}  # inclusive range of the nominal radius in pixels
REGIONS = ("left", "right", "top", "bottom", "centre")
BACKGROUNDS = ("plain", "noise", "stripes", "checker", "gradient")

# 5x7 bitmap glyphs for the digits; drawn scaled by DIGIT_SCALE.
GLYPHS = {
    "0": ("01110", "10001", "10011", "10101", "11001", "10001", "01110"),
    "1": ("00100", "01100", "00100", "00100", "00100", "00100", "01110"),
    "2": ("01110", "10001", "00001", "00010", "00100", "01000", "11111"),
    "3": ("11111", "00010", "00100", "00010", "00001", "10001", "01110"),
    "4": ("00010", "00110", "01010", "10010", "11111", "00010", "00010"),
    "5": ("11111", "10000", "11110", "00001", "00001", "10001", "01110"),
    "6": ("00110", "01000", "10000", "11110", "10001", "10001", "01110"),
    "7": ("11111", "00001", "00010", "00100", "01000", "01000", "01000"),
    "8": ("01110", "10001", "10001", "01110", "10001", "10001", "01110"),
    "9": ("01110", "10001", "10001", "01111", "00001", "00010", "01100"),
}
GLYPH_MASKS = {d: np.array([[c == "1" for c in row] for row in rows], dtype=bool) for d, rows in GLYPHS.items()}
DIGIT_SCALE = 3
DIGIT_GAP = 3


def _unit_polygon(n: int, radii: tuple[float, ...], start_deg: float) -> np.ndarray:
    """Vertices of a polygon around the origin (image y axis points down), rounded to 1e-6 so
    that libm differences between machines cannot change a vertex."""
    pts = []
    for k in range(n):
        a = math.radians(start_deg + 360.0 * k / n)
        r = radii[k % len(radii)]
        pts.append((round(r * math.cos(a), 6), round(r * math.sin(a), 6)))
    return np.array(pts, dtype=np.float64)


POLYGONS = {
    "triangle": _unit_polygon(3, (1.2,), -90.0),
    "hexagon": _unit_polygon(6, (1.05,), -90.0),
    "star": _unit_polygon(10, (1.3, 0.55), -90.0),
}


@dataclass
class Obj:
    shape: str
    colour: str
    size: str
    cx: float
    cy: float
    r: float
    rgb: tuple[int, int, int]


@dataclass
class Number:
    value: int
    x: int  # top-left corner of the glyph box
    y: int
    ink: tuple[int, int, int]

    @property
    def text(self) -> str:
        return str(self.value)

    @property
    def width(self) -> int:
        k = len(self.text)
        return k * 5 * DIGIT_SCALE + (k - 1) * DIGIT_GAP

    @property
    def height(self) -> int:
        return 7 * DIGIT_SCALE


@dataclass
class Scene:
    seed: int
    background: dict
    objects: list[Obj] = field(default_factory=list)
    number: Number | None = None


class PlacementError(Exception):
    pass


def region_of(cx: float, cy: float) -> str | None:
    """The unambiguous region of a point, or None when it lies between regions."""
    dx, dy = cx - (SIZE - 1) / 2, cy - (SIZE - 1) / 2
    ax, ay = abs(dx), abs(dy)
    if max(ax, ay) <= 20:
        return "centre"
    if max(ax, ay) >= 36 and abs(ax - ay) >= 16:
        if ax > ay:
            return "left" if dx < 0 else "right"
        return "top" if dy < 0 else "bottom"
    return None


def _luminance(rgb) -> float:
    return 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]


def _random_background(rng: random.Random) -> dict:
    level = rng.randint(70, 190)
    base = tuple(max(0, min(255, level + rng.randint(-25, 25))) for _ in range(3))
    kind = rng.choice(BACKGROUNDS)
    bg = {"kind": kind, "base": base, "amp": rng.randint(6, 16), "hash": rng.getrandbits(32)}
    if kind == "stripes":
        bg["period"] = rng.randint(8, 24)
        bg["orient"] = rng.choice(("h", "v", "d"))
    elif kind == "checker":
        bg["cell"] = rng.randint(12, 32)
    elif kind == "gradient":
        bg["dir"] = rng.choice(("h", "v"))
        bg["amp"] = rng.randint(15, 35)
    return bg


def _place_number(rng: random.Random, bg: dict) -> Number:
    digits = rng.randint(1, 3)
    value = rng.randint(0, 9) if digits == 1 else rng.randint(10 ** (digits - 1), 10**digits - 1)
    ink = (20, 20, 20) if _luminance(bg["base"]) > 120 else (240, 240, 240)
    num = Number(value, 0, 0, ink)
    num.x = rng.randint(4, SIZE - 4 - num.width)
    num.y = rng.randint(4, SIZE - 4 - num.height)
    return num


def _fits(cx, cy, r, colour, placed: list[Obj], number: Number | None) -> bool:
    if number is not None:
        m = 3 + r * 1.3
        if number.x - m < cx < number.x + number.width + m and number.y - m < cy < number.y + number.height + m:
            return False
    for o in placed:
        dx, dy, lim = cx - o.cx, cy - o.cy, 0.75 * (r + o.r)
        if dx * dx + dy * dy < lim * lim:
            return False
        touch = 1.3 * (r + o.r) + 2  # shapes of one colour never touch, so each stays countable
        if o.colour == colour and dx * dx + dy * dy < touch * touch:
            return False
    return True


def make_scene(
    rng: random.Random,
    specs: list[tuple[str | None, str | None]],
    with_number: bool,
    avoid=None,
    region0: str | None = None,
) -> Scene:
    """Lay out one scene.

    specs: one (shape, colour) per object, None meaning "random"; avoid(shape, colour) -> bool
    rejects the attributes of fully random objects (keeps counts and uniqueness exact); region0 puts object 0's
    centre inside that region. Raises PlacementError when the layout does not fit.
    """
    bg = _random_background(rng)
    scene = Scene(seed=0, background=bg)
    if with_number:
        scene.number = _place_number(rng, bg)
    for i, (shape, colour) in enumerate(specs):
        for _ in range(100):
            s = shape if shape is not None else rng.choice(SHAPES)
            c = colour if colour is not None else rng.choice(COLOURS)
            if shape is None and colour is None and avoid is not None and avoid(s, c):
                continue
            break
        else:
            raise PlacementError("no attributes satisfy the constraint")
        size = rng.choice(SIZES)
        r = rng.randint(*RADIUS[size]) + rng.random()
        lo, hi = 1.4 * r + 2, SIZE - 1 - 1.4 * r - 2
        for _ in range(300):
            cx, cy = lo + rng.random() * (hi - lo), lo + rng.random() * (hi - lo)
            if i == 0 and region0 is not None and region_of(cx, cy) != region0:
                continue
            if _fits(cx, cy, r, c, scene.objects, scene.number):
                break
        else:
            raise PlacementError("no free position")
        base = RGB[c]
        rgb = tuple(max(0, min(255, v + rng.randint(-12, 12))) for v in base)
        scene.objects.append(Obj(s, c, size, cx, cy, r, rgb))
    return scene


# ---------------------------------------------------------------- rendering

_YY, _XX = np.mgrid[0:SIZE, 0:SIZE].astype(np.uint32)


def _hash_noise(seed: int) -> np.ndarray:
    """Deterministic per-pixel noise in [0, 255] from an integer hash (uint32 arithmetic)."""
    v = _XX * np.uint32(374761393) + _YY * np.uint32(668265263) + np.uint32(seed & 0xFFFFFFFF)
    v = (v ^ (v >> np.uint32(13))) * np.uint32(1274126177)
    v = v ^ (v >> np.uint32(16))
    return (v & np.uint32(255)).astype(np.int32)


def _background(bg: dict) -> np.ndarray:
    base = np.array(bg["base"], dtype=np.int32)
    amp = bg["amp"]
    kind = bg["kind"]
    if kind == "plain":
        delta = np.zeros((SIZE, SIZE), dtype=np.int32)
    elif kind == "noise":
        delta = (_hash_noise(bg["hash"]) * (2 * amp + 1)) // 256 - amp
    elif kind == "stripes":
        coord = {"h": _YY, "v": _XX, "d": _XX + _YY}[bg["orient"]].astype(np.int32)
        delta = np.where((coord // bg["period"]) % 2 == 0, amp, -amp).astype(np.int32)
    elif kind == "checker":
        cell = bg["cell"]
        parity = (_XX.astype(np.int32) // cell + _YY.astype(np.int32) // cell) % 2
        delta = np.where(parity == 0, amp, -amp).astype(np.int32)
    else:  # gradient
        coord = (_XX if bg["dir"] == "h" else _YY).astype(np.int32)
        delta = (coord * (2 * amp)) // (SIZE - 1) - amp
    img = base[None, None, :] + delta[:, :, None]
    return np.clip(img, 0, 255).astype(np.uint8)


def _inside_polygon(px: np.ndarray, py: np.ndarray, verts: np.ndarray) -> np.ndarray:
    inside = np.zeros(px.shape, dtype=bool)
    n = len(verts)
    for i in range(n):
        xi, yi = verts[i]
        xj, yj = verts[(i + 1) % n]
        if yi == yj:
            continue
        crosses = (yi > py) != (yj > py)
        xint = (xj - xi) * (py - yi) / (yj - yi) + xi
        inside ^= crosses & (px < xint)
    return inside


def shape_mask(shape: str, dx: np.ndarray, dy: np.ndarray, r: float) -> np.ndarray:
    """Pixels (offsets dx, dy from the centre, in pixels) covered by a shape of nominal radius r."""
    if shape == "circle":
        return dx * dx + dy * dy <= r * r
    if shape == "square":
        return np.maximum(np.abs(dx), np.abs(dy)) <= 0.88 * r
    if shape == "diamond":
        return np.abs(dx) + np.abs(dy) <= 1.25 * r
    return _inside_polygon(dx / r, dy / r, POLYGONS[shape])


def render(scene: Scene) -> np.ndarray:
    """uint8 [192, 192, 3]."""
    img = _background(scene.background)
    for o in scene.objects:
        ext = int(math.ceil(1.4 * o.r)) + 1
        x0, x1 = max(0, int(o.cx) - ext), min(SIZE, int(o.cx) + ext + 1)
        y0, y1 = max(0, int(o.cy) - ext), min(SIZE, int(o.cy) + ext + 1)
        ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float64)
        m = shape_mask(o.shape, xs + 0.5 - o.cx, ys + 0.5 - o.cy, o.r)
        img[y0:y1, x0:x1][m] = o.rgb
    if scene.number is not None:
        n = scene.number
        x = n.x
        for ch in n.text:
            glyph = np.kron(GLYPH_MASKS[ch], np.ones((DIGIT_SCALE, DIGIT_SCALE), dtype=bool))
            h, w = glyph.shape
            img[n.y : n.y + h, x : x + w][glyph] = n.ink
            x += w + DIGIT_GAP
    return img


def blank_image(level: int = 128) -> np.ndarray:
    """The uniform grey picture used for the "does the model look at the image" check."""
    return np.full((SIZE, SIZE, 3), level, dtype=np.uint8)


def main() -> None:
    from PIL import Image

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--objects", type=int, default=4)
    ap.add_argument("--number", action="store_true")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    while True:
        try:
            scene = make_scene(rng, [(None, None)] * a.objects, a.number)
            break
        except PlacementError:
            continue
    Image.fromarray(render(scene)).save(a.out)
    for o in scene.objects:
        print(o.size, o.colour, o.shape, f"({o.cx:.0f},{o.cy:.0f})", region_of(o.cx, o.cy))
    if scene.number:
        print("number", scene.number.value)


if __name__ == "__main__":
    main()
