#!/usr/bin/python3
"""Reference vectors for analysis/policies (ALGORITHMS.md §2–§8), in float64 with numpy.

Written independently of the TypeScript: from seeded random queries/keys it computes the attention
probabilities, the Stats fields the policies read, every scorer, every allocator and option, the
kept sets of every preset, attention recall (from the decode rows themselves, not from the recall
weights), CacheHitRate in both modes and KV memory. Seeds whose results sit on a knife edge are
rejected (ALGORITHMS §9): a top-k boundary whose k-th and (k+1)-th candidates differ by less than
1e-4 relative, a largest-remainder boundary whose fractional parts differ by less than 1e-9, or a
floor taken within 1e-9 of an integer.

Run with Debian's python3 (numpy only):

    /usr/bin/python3 tools/reference/policies_reference.py [--out test/fixtures/reference/policies.json]

The output (< 1 MB) is committed; test/unit/analysis/policies/reference.test.ts checks the
TypeScript against it.
"""

import argparse
import json
import math
import os

import numpy as np

L, H, HKV, D, M, G = 2, 4, 2, 16, 40, 3
GROUP = H // HKV
IMAGE = (4, 30)  # image tokens [4, 30): text before, the image, then 10 post-vision rows
V = IMAGE[1]
SLIDING = [None, 24]  # layer 1 has a sliding window, so the normalized scorer's counts differ
SPREAD = 1.6
WINDOW_SIZES = [8, 16, 32, 64]
EDGES = np.array([-8 + i / 20 for i in range(161)], dtype=np.float64)
ROW_SETS = ["prefill", "postVision", "decode"]
BUDGETS = [("percent", 100), ("percent", 1000), ("percent", 2500), ("percent", 5000),
           ("percent", 8000), ("percent", 10000), ("tokens", 3), ("tokens", 17)]
CURVE_GRID = [100, 200, 500, 1000, 2000, 4000, 6000, 8000, 10000]
THRESHOLDS = [120, 140, 150]  # edge indices: p = 1 %, 10 %, 31.6 %
F = 10  # window fraction, percent
NSINK = 4


class NearTie(Exception):
    pass


# ---------------------------------------------------------------- attention and statistics ----

def visible(q, j, w):
    return j <= q and (w is None or q - w < j)


def attention(Q, K):
    """A[l, h] as an (n, n) float64 matrix with NaN where a key is invisible (they do not exist)."""
    n = M + G
    A = np.full((L, H, n, n), np.nan)
    s = 1 / math.sqrt(D)
    for l in range(L):
        mask = np.array([[visible(q, j, SLIDING[l]) for j in range(n)] for q in range(n)])
        for h in range(H):
            z = s * (Q[l, h].astype(np.float64) @ K[l, h // GROUP].astype(np.float64).T)
            z = np.where(mask, z, -np.inf)
            z = z - z.max(axis=1, keepdims=True)
            e = np.exp(z)
            p = e / e.sum(axis=1, keepdims=True)
            A[l, h] = np.where(mask, p, np.nan)
    return A


def statistics(A, K, extra_windows):
    n = M + G
    st = {}
    hist = np.zeros((L, H, 3, 162), dtype=np.int64)
    rows = {"prefill": range(0, M), "postVision": range(V, M), "decode": range(M, n)}
    for l in range(L):
        for h in range(H):
            for r, name in enumerate(ROW_SETS):
                for q in rows[name]:
                    a = A[l, h, q, : q + 1]
                    a = a[~np.isnan(a)]
                    with np.errstate(divide="ignore"):
                        x = np.log10(a / a.max())
                    bins = np.searchsorted(EDGES, x, side="right")  # first edge strictly above x
                    np.add.at(hist[l, h, r], bins, 1)
    st["hist"] = hist

    def per_kv(rowsel):
        out = np.zeros((L, HKV, M))
        for l in range(L):
            for h in range(H):
                out[l, h // GROUP] += np.nansum(A[l, h, rowsel, :M], axis=0)
        return out

    st["postVision"] = per_kv(slice(V, M))
    st["accumulated"] = per_kv(slice(0, M))
    st["lastQuery"] = per_kv(slice(M - 1, M))
    st["oracle"] = per_kv(slice(M, M + 1))
    st["keyNorm"] = np.linalg.norm(K[:, :, :M].astype(np.float64), axis=-1)
    st["windowSums"] = {}
    for w in sorted(set(WINDOW_SIZES) | set(extra_windows)):
        wobs = min(w, M - 1)
        st["windowSums"][w] = per_kv(slice(M - wobs, M))
    rw = np.zeros((L, HKV, M))
    for l in range(L):
        for h in range(H):
            dec = np.nan_to_num(A[l, h, M:n, :M])
            rw[l, h // GROUP] += (dec / dec.sum(axis=1, keepdims=True)).sum(axis=0)
    st["recallW"] = rw
    return st


# ---------------------------------------------------------------------------- scorers ----

def fmix32(h):
    h &= 0xFFFFFFFF
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & 0xFFFFFFFF
    h ^= h >> 16
    return h


def score_kv(st, spec):
    """[L, HKV, M] float64 scores of a scorer spec (per KV head)."""
    sid = spec["id"]
    if sid in ("postVision", "accumulated", "lastQuery"):
        return st[sid].copy()
    if sid == "keyNorm":
        return -st["keyNorm"]
    if sid == "normalized":
        out = np.zeros((L, HKV, M))
        for l in range(L):
            j = np.arange(M)
            cnt = M - j if SLIDING[l] is None else np.minimum(M - j, SLIDING[l])
            out[l] = st["accumulated"][l] / cnt
        return out
    if sid == "window":
        w, k, pool = spec["w"], spec["k"], spec["pool"]
        wobs = min(w, M - 1)
        nn = M - wobs
        r = (k - 1) // 2
        out = np.full((L, HKV, M), np.inf)
        src = st["windowSums"][w][:, :, :nn]
        pad = np.zeros if pool == "avg" else (lambda s: np.full(s, -np.inf))
        padded = np.concatenate([pad((L, HKV, r)), src, pad((L, HKV, r))], axis=2)
        windows = np.stack([padded[:, :, i: i + nn] for i in range(k)], axis=0)
        out[:, :, :nn] = windows.sum(axis=0) / k if pool == "avg" else windows.max(axis=0)
        return out
    if sid == "random":
        out = np.zeros((L, HKV, M))
        for l in range(L):
            for g in range(HKV):
                for j in range(M):
                    out[l, g, j] = fmix32(fmix32(fmix32(fmix32(spec["seed"]) ^ l) ^ g) ^ j) / 2**32
        return out
    if sid == "position":
        row = np.array([np.inf if j < spec["nSink"] else j for j in range(M)], dtype=np.float64)
        return np.broadcast_to(row, (L, HKV, M)).copy()
    raise ValueError(sid)


def score(st, spec, gran):
    s = score_kv(st, spec)
    if gran == "kvHead":
        return s
    if spec["id"] == "random":
        return s[:, :1]
    if spec["id"] == "position":
        return s[:, :1]
    return s.sum(axis=1, keepdims=True)


def check_boundary(values, k, what):
    """Reject a top-k whose k-th and (k+1)-th values (sorted, descending) are nearly tied."""
    if k <= 0 or k >= len(values):
        return
    v = np.sort(np.asarray(values, dtype=np.float64))[::-1]
    a, b = v[k - 1], v[k]
    if a == b:
        return  # an exact (structural) tie: both sides break it toward the lower position
    if np.isinf(a) or np.isinf(b):
        return
    if abs(a - b) <= 1e-4 * max(abs(a), abs(b)):
        raise NearTie(f"{what}: {a!r} vs {b!r}")


def top_k(values, k, what):
    """Positions of the k largest values, ties to the lower position."""
    check_boundary(values, k, what)
    order = sorted(range(len(values)), key=lambda j: (-values[j], j))
    return order[:k]


# -------------------------------------------------------------------------- budgets ----

def resolve_budget(kind, value):
    if kind == "percent":
        T = (value * L * M + 5000) // 10000
    else:
        T = value * L
    return int(min(max(T, L), L * M))


def largest_remainder(x, T, upper, what):
    k = [math.floor(v) for v in x]
    R = T - sum(k)
    frac = [v - math.floor(v) for v in x]
    order = sorted(range(len(x)), key=lambda l: (-frac[l], l))
    if 0 < R < len(x):
        a, b = frac[order[R - 1]], frac[order[R]]
        if a != b and abs(a - b) < 1e-9:
            raise NearTie(f"{what}: remainders {a!r} vs {b!r}")
    for l in order:
        if R == 0:
            break
        if k[l] < upper:
            k[l] += 1
            R -= 1
    assert R == 0
    return k


def check_floor(v, what):
    if abs(v - round(v)) < 1e-9 and v != round(v):
        raise NearTie(f"{what}: floor of {v!r}")


def uniform(T):
    return [T // L + (1 if l < T % L else 0) for l in range(L)]


def pyramid(T, beta=20, w=None):
    if w is None:
        w = max(1, (F * T) // (100 * L))
    if L == 1 or T <= w * L:
        return uniform(T), w
    B = T / L
    lo = (B - w) / beta
    hi = 2 * (B - w) - lo
    if hi > M - w:
        hi = M - w
        lo = 2 * (B - w) - hi
    x = [w + hi - (l * (hi - lo)) / (L - 1) for l in range(L)]
    return largest_remainder(x, T, M, "pyramid"), w


def layer_sparsity(st, rowset, edge):
    r = ROW_SETS.index(rowset)
    out = []
    for l in range(L):
        acc = 0.0
        for h in range(H):
            c = st["hist"][l, h, r]
            acc += c[: edge + 1].sum() / c.sum()
        out.append(acc / H)
    return out


def sparsity_aware(st, T, edge, mode):
    d = [1 - g for g in layer_sparsity(st, "postVision", edge)]
    alpha = T / (L * M)
    if T == L * M:
        return [M] * L, None
    if mode == "renormalize":
        lo = max(1, (T // L) if 100 * T < L * M else M // 100)
        hi = M

        def total(lam):
            return sum(min(max(lam * dl * M, lo), hi) for dl in d)

        # Bisection on the monotone clipped sum, then the exact solve on the bracketing segment.
        a, b = 0.0, max(hi / (dl * M) for dl in d)
        for _ in range(200):
            c = (a + b) / 2
            if total(c) < T:
                a = c
            else:
                b = c
        free = [l for l in range(L) if lo < b * d[l] * M and a * d[l] * M < hi]
        const = sum(lo if b * d[l] * M <= lo else hi for l in range(L) if l not in free)
        lam = (T - const) / sum(d[l] * M for l in free) if free else b
        x = [min(max(lam * dl * M, lo), hi) for dl in d]
        return largest_remainder(x, T, hi, "sparsityAware"), None
    sd = sum(d)
    if mode == "paper-literal":
        k = []
        for dl in d:
            beta = min(max(dl / sd * alpha * L, 0.01), 1.0)
            check_floor(beta * M, "paper-literal")
            k.append(max(1, math.floor(beta * M)))
        return k, None
    window = T // (10 * L)
    k = []
    for dl in d:
        beta = min(max(dl / sd * (0.9 * alpha) * L, 0.009), 1.0)
        check_floor(beta * M, "windowOutside")
        k.append(min(M, max(1, math.floor(beta * M)) + window))
    return k, window


# ---------------------------------------------------------------------------- presets ----

PRESETS = {
    "full": (None, ("full",), "none", None),
    "vl-cache": ({"id": "postVision"}, ("sparsityAware", "renormalize"), "fraction", None),
    "h2o": ({"id": "accumulated"}, ("uniform",), "fraction", None),
    "streaming-llm": ({"id": "position", "nSink": NSINK}, ("uniform",), "fraction", "sinksPlusRecent"),
    "snapkv": ({"id": "window", "w": 32, "k": 5, "pool": "avg"}, ("uniform",), "none", None),
    "pyramidkv": ({"id": "window", "w": "allocator", "k": 5, "pool": "avg"}, ("pyramid",), "allocator", None),
    "zipcache": ({"id": "normalized"}, ("uniform",), "fraction", None),
    "tova": ({"id": "lastQuery"}, ("uniform",), "fraction", None),
    "knorm": ({"id": "keyNorm"}, ("uniform",), "fraction", None),
    "random": ({"id": "random", "seed": 0}, ("uniform",), "fraction", None),
    "ablation-vlcache-uniform": ({"id": "postVision"}, ("uniform",), "fraction", None),
    "ablation-h2o-sparsity": ({"id": "accumulated"}, ("sparsityAware", "renormalize"), "fraction", None),
}


def allocate(st, alloc, T, edge):
    """(k per layer, allocator window or None)."""
    if alloc[0] == "full" or T == L * M:
        w = pyramid(T)[1] if alloc[0] == "pyramid" else None
        return [M] * L, w
    if alloc[0] == "uniform":
        return uniform(T), None
    if alloc[0] == "pyramid":
        return pyramid(T)
    return sparsity_aware(st, T, edge, alloc[1])


def kept_sets(st, preset, T, gran, edge):
    scorer, alloc, recent, sinks = PRESETS[preset]
    k, awin = allocate(st, alloc, T, edge)
    groups = HKV if gran == "kvHead" else 1
    if scorer is None or all(x == M for x in k):
        return k, [[list(range(M)) for _ in range(groups)] for _ in range(L)]
    spec = dict(scorer)
    if spec.get("w") == "allocator":
        spec["w"] = awin
    scores = score(st, spec, gran)
    wobs = min(spec["w"], M - 1) if spec["id"] == "window" else 0
    out = []
    for l in range(L):
        kl = k[l]
        wl = {"fraction": (F * kl) // 100, "none": 0, "allocator": min(kl, awin or 0)}[recent]
        layer = []
        for g in range(groups):
            if sinks == "sinksPlusRecent":
                tail = 0 if kl <= NSINK else kl - NSINK
                layer.append(list(range(kl - tail)) + list(range(M - tail, M)))
                continue
            W = min(kl, max(wl, wobs))
            cand = scores[l, g, : M - W]
            top = top_k(cand, kl - W, f"{preset} l{l} g{g}")
            layer.append(sorted(top) + list(range(M - W, M)))
        out.append(layer)
    return k, out


def recall_direct(A, kept, gran):
    """recall_l = (1/(H·G)) Σ_h Σ_r Σ_{j∈kept(l, ⌊h/g⌋)} A_h[r, j] / Σ_{j<m} A_h[r, j]."""
    per = []
    for l in range(L):
        acc = 0.0
        for h in range(H):
            s = kept[l][h // GROUP if gran == "kvHead" else 0]
            for r in range(M, M + G):
                row = np.nan_to_num(A[l, h, r, :M])
                acc += row[s].sum() / row.sum()
        per.append(acc / (H * G))
    return per


def oracle(A, gran):
    o = np.zeros((L, HKV if gran == "kvHead" else 1, M))
    for l in range(L):
        for h in range(H):
            o[l, h // GROUP if gran == "kvHead" else 0] += np.nan_to_num(A[l, h, M, :M])
    return o


def hit_rate_policy(A, kept, k, gran, what):
    o = oracle(A, gran)
    per = []
    for l in range(L):
        hits = [len(set(kept[l][g]) & set(top_k(o[l, g], k[l], f"{what} oracle l{l}"))) / k[l]
                for g in range(len(kept[l]))]
        per.append(sum(hits) / len(hits))
    return per


def hit_rate_scorer(A, st, spec, T, gran, what):
    kk = max(1, T // L)
    o = oracle(A, gran)
    s = score(st, spec, gran)
    per = []
    for l in range(L):
        hits = [len(set(top_k(s[l, g], kk, f"{what} scores l{l}")) & set(top_k(o[l, g], kk, f"{what} oracle l{l}"))) / kk
                for g in range(o.shape[1])]
        per.append(sum(hits) / len(hits))
    return per


# ------------------------------------------------------------------------------- main ----


def f32(x):
    return float(f"{float(np.float32(x)):.9g}")


def floats(a, digits=17):
    out = []
    for v in np.asarray(a, dtype=np.float64).ravel():
        out.append(None if np.isinf(v) else float(repr(float(v))) if digits == 17 else f32(v))
    return out


def generate(seed):
    rng = np.random.default_rng(seed)
    n = M + G
    Q = (rng.standard_normal((L, H, n, D)) * SPREAD).astype(np.float32)
    K = (rng.standard_normal((L, HKV, n, D)) * SPREAD).astype(np.float32)
    # Image keys share a direction, so text rows attend to the image as a block (a VLM's structure).
    K[:, :, IMAGE[0]: IMAGE[1]] += (rng.standard_normal((L, HKV, 1, D)) * 0.8).astype(np.float32)
    A = attention(Q, K)
    pyr_ws = set()
    for kind, value in BUDGETS:
        pyr_ws.add(pyramid(resolve_budget(kind, value))[1])
    for bp in CURVE_GRID:
        pyr_ws.add(pyramid(resolve_budget("percent", bp))[1])
    st = statistics(A, K, sorted(pyr_ws))
    out = {"scorers": [], "allocations": [], "policies": [], "sparsity": []}

    scorer_specs = [
        {"id": "postVision"}, {"id": "accumulated"}, {"id": "normalized"},
        {"id": "window", "w": 32, "k": 5, "pool": "avg"}, {"id": "window", "w": 8, "k": 5, "pool": "avg"},
        {"id": "window", "w": 8, "k": 3, "pool": "max"}, {"id": "window", "w": 16, "k": 1, "pool": "avg"},
        {"id": "lastQuery"}, {"id": "keyNorm"}, {"id": "random", "seed": 0}, {"id": "random", "seed": 12345},
        {"id": "position", "nSink": 4}, {"id": "position", "nSink": 0},
    ]
    for spec in scorer_specs:
        for gran in ("kvHead", "layer"):
            out["scorers"].append({"spec": spec, "granularity": gran, "scores": floats(score(st, spec, gran))})

    for rowset in ROW_SETS:
        for edge in THRESHOLDS + [0, 160]:
            out["sparsity"].append({"rowSet": rowset, "edge": edge, "layers": floats(layer_sparsity(st, rowset, edge))})

    for kind, value in BUDGETS:
        T = resolve_budget(kind, value)
        budget = {"kind": kind, ("basisPoints" if kind == "percent" else "perLayer"): value}
        out["allocations"].append({"allocator": {"id": "uniform"}, "budget": budget, "T": T, "k": uniform(T)})
        for beta, w in ((20, None), (5, 3)):
            spec = {"id": "pyramid", "beta": beta} | ({} if w is None else {"w": w})
            k, wused = (([M] * L, None) if T == L * M else pyramid(T, beta, w))
            out["allocations"].append({"allocator": spec, "budget": budget, "T": T, "k": k, "windowFraction": F})
        for edge in THRESHOLDS:
            for mode in ("renormalize", "paper-literal", "windowOutside"):
                k, win = sparsity_aware(st, T, edge, mode)
                out["allocations"].append({"allocator": {"id": "sparsityAware", "mode": mode}, "budget": budget,
                                           "T": T, "pAlloc": edge, "k": k})

        for gran in ("kvHead", "layer"):
            for preset in PRESETS:
                k, kept = kept_sets(st, preset, T, gran, THRESHOLDS[0])
                scorer = PRESETS[preset][0]
                entry = {"policy": preset, "budget": budget, "granularity": gran, "T": T, "k": k,
                         "kept": kept, "recall": recall_direct(A, kept, gran),
                         "hitRate": hit_rate_policy(A, kept, k, gran, preset)}
                if scorer is not None:
                    spec = dict(scorer)
                    if spec.get("w") == "allocator":
                        spec["w"] = pyramid(T)[1]
                    entry["scorerHitRate"] = hit_rate_scorer(A, st, spec, T, gran, preset)
                bytes_per_token = HKV * D * 2 * 2
                entry["memory"] = {"fullBytes": L * M * bytes_per_token, "keptBytes": sum(k) * bytes_per_token}
                out["policies"].append(entry)

    curve = []
    for bp in CURVE_GRID:
        T = resolve_budget("percent", bp)
        k, kept = kept_sets(st, "vl-cache", T, "kvHead", THRESHOLDS[0])
        curve.append({"basisPoints": bp, "T": T, "k": k, "recall": recall_direct(A, kept, "kvHead")})
    out["recallCurve"] = {"policy": "vl-cache", "pAlloc": THRESHOLDS[0], "points": curve}

    stats_json = {
        "hist": st["hist"].ravel().tolist(),
        **{f: floats(st[f], 9) for f in ("postVision", "accumulated", "lastQuery", "keyNorm", "recallW", "oracle")},
        "windowSums": {str(w): floats(v, 9) for w, v in st["windowSums"].items()},
    }
    return {
        "meta": {
            "generator": "tools/reference/policies_reference.py",
            "seed": seed,
            "dims": {"L": L, "H": H, "Hkv": HKV, "D": D, "m": M, "G": G},
            "postVisionStart": V,
            "imageSpan": list(IMAGE),
            "slidingWindow": SLIDING,
            "scale": 1 / math.sqrt(D),
            "windowFraction": F,
            "nSink": NSINK,
            "kvDtype": "f16",
            "notes": "f64 reference; Stats fields stored as f32 (9 significant digits); null = +infinity",
        },
        "Q": floats(Q, 9),
        "K": floats(K, 9),
        "stats": stats_json,
        **out,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="test/fixtures/reference/policies.json")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    seed = args.seed
    while True:
        try:
            data = generate(seed)
            break
        except NearTie as e:
            print(f"seed {seed} rejected: {e}")
            seed += 1
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(data, f, separators=(",", ":"))
    print(f"seed {seed}: wrote {args.out} ({os.path.getsize(args.out)} bytes)")


if __name__ == "__main__":
    main()
