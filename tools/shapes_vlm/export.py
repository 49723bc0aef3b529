"""Export a trained checkpoint to the model-package contract (docs/model-package.md).

    python3 -m tools.shapes_vlm.export --ckpt .scratch/run --out .scratch/run/pkg

Writes vision.onnx, embed.onnx, decoder.onnx, decoder.noq.onnx, tokenizer.json and model.json
(fp32, opset 17, TorchScript exporter with dynamic axes).
"""
from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import torch
from torch import nn

from .evaluate import load_model
from .model import Config
from .tasks import BOS, EOS, IMAGE, IMAGE_PLACEHOLDER, PAD, PROMPT_PLACEHOLDER, SPECIALS, TEMPLATE, UNK, VOCAB

NAME = "shapes-vlm"
FILES = {"tokenizer": "tokenizer.json", "vision": "vision.onnx", "embed": "embed.onnx", "decoder": "decoder.onnx"}
NOQ = "decoder.noq.onnx"
MAX_TOTAL_BYTES = 30_000_000


class VisionExport(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.vision = model.vision

    def forward(self, pixel_values):
        f = self.vision(pixel_values, eager=True)
        return f.reshape(1, -1, f.shape[-1])


class EmbedExport(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.embed = model.lm.embed

    def forward(self, input_ids):
        return self.embed(input_ids)


class DecoderExport(nn.Module):
    """inputs: inputs_embeds, position_ids, past_key_values.{i}.key/.value (all layers), key_bias.{i}
    outputs: logits, present.{i}.key/.value (all layers), queries.{i} (unless queries=False)."""

    def __init__(self, model, queries: bool):
        super().__init__()
        self.lm = model.lm
        self.queries = queries

    def forward(self, inputs_embeds, position_ids, *rest):
        n_layers = len(self.lm.layers)
        past = [(rest[2 * i], rest[2 * i + 1]) for i in range(n_layers)]
        bias = list(rest[2 * n_layers :])
        logits, presents, queries, _ = self.lm.forward_cached(inputs_embeds, position_ids, past, bias)
        out = [logits]
        for k, v in presents:
            out += [k, v]
        if self.queries:
            out += queries
        return tuple(out)


def decoder_io(c: Config, queries: bool):
    ins = ["inputs_embeds", "position_ids"]
    outs = ["logits"]
    axes = {"inputs_embeds": {1: "n"}, "position_ids": {1: "n"}, "logits": {1: "n"}}
    for i in range(c.layers):
        for kv in ("key", "value"):
            ins.append(f"past_key_values.{i}.{kv}")
            outs.append(f"present.{i}.{kv}")
            axes[f"past_key_values.{i}.{kv}"] = {2: f"past_{i}"}
            axes[f"present.{i}.{kv}"] = {2: f"total_{i}"}
    for i in range(c.layers):
        ins.append(f"key_bias.{i}")
        axes[f"key_bias.{i}"] = {3: f"total_{i}"}
    if queries:
        for i in range(c.layers):
            outs.append(f"queries.{i}")
            axes[f"queries.{i}"] = {2: "n"}
    return ins, outs, axes


def decoder_example(c: Config, n: int = 5):
    args = [torch.randn(1, n, c.hidden), torch.arange(40, 40 + n)[None]]
    pasts = [3 + i for i in range(c.layers)]
    for t in pasts:
        args += [torch.randn(1, c.kv_heads, t, c.head_dim), torch.randn(1, c.kv_heads, t, c.head_dim)]
    args += [torch.zeros(1, c.kv_heads, 1, t + n) for t in pasts]
    return tuple(args)


def build_tokenizer(path: Path) -> None:
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers

    tok = Tokenizer(models.WordLevel(vocab=dict(VOCAB), unk_token="<unk>"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Whitespace(), pre_tokenizers.Digits(individual_digits=True)])
    # Words joined by spaces, no space before punctuation, digits of one number fused again.
    tok.decoder = decoders.Sequence(
        [decoders.WordPiece(prefix="##", cleanup=True), decoders.Fuse(), decoders.Replace(Regex("(?<=[0-9]) (?=[0-9])"), "")]
    )
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in SPECIALS])
    tok.save(str(path))


def sha256(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def export(ckpt: str, out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    model = load_model(ckpt, "cpu")
    c = model.c
    kw = dict(opset_version=17, dynamo=False, do_constant_folding=True)
    with torch.no_grad():
        torch.onnx.export(
            VisionExport(model), (torch.randn(1, 3, c.image, c.image),), str(out / FILES["vision"]),
            input_names=["pixel_values"], output_names=["image_features"],
            dynamic_axes={"pixel_values": {0: "tiles"}, "image_features": {1: "n_img"}}, **kw,
        )
        torch.onnx.export(
            EmbedExport(model), (torch.tensor([[BOS, 5, 6]]),), str(out / FILES["embed"]),
            input_names=["input_ids"], output_names=["inputs_embeds"],
            dynamic_axes={"input_ids": {1: "n"}, "inputs_embeds": {1: "n"}}, **kw,
        )
        for queries, name in ((True, FILES["decoder"]), (False, NOQ)):
            ins, outs, axes = decoder_io(c, queries)
            torch.onnx.export(
                DecoderExport(model, queries), decoder_example(c), str(out / name),
                input_names=ins, output_names=outs, dynamic_axes=axes, **kw,
            )
    build_tokenizer(out / FILES["tokenizer"])

    sizes = {f.name: f.stat().st_size for f in out.iterdir() if f.suffix in (".onnx", ".json")}
    names = list(FILES.values()) + [NOQ]
    total = sum(sizes[f] for f in names) + 4096  # + model.json
    manifest = {
        "format": "vlcache-model/1",
        "name": NAME,
        "family": "llava",
        "layers": c.layers,
        "heads": c.heads,
        "kvHeads": c.kv_heads,
        "headDim": c.head_dim,
        "hidden": c.hidden,
        "vocabSize": c.vocab,
        "maxPositions": c.max_positions,
        "ioDtype": "f32",
        "kvDtype": "f32",
        "attention": {"scale": c.scale, "slidingWindow": None, "softcap": None},
        "positionIds": "1d",
        "logitsLastOnly": False,
        "image": {
            "resize": "bilinear",
            "mean": [0.5, 0.5, 0.5],
            "std": [0.5, 0.5, 0.5],
            "layout": {"kind": "fixed", "size": c.image, "rows": c.image // c.patch, "cols": c.image // c.patch},
        },
        "prompt": {"template": TEMPLATE, "imagePlaceholder": IMAGE_PLACEHOLDER, "promptPlaceholder": PROMPT_PLACEHOLDER},
        "tokens": {"bos": BOS, "eos": EOS, "pad": PAD, "image": IMAGE, "unk": UNK},
        "files": dict(FILES),
        "hashes": {f: sha256(out / f) for f in names if total <= MAX_TOTAL_BYTES or f != NOQ},
    }
    (out / "model.json").write_text(json.dumps(manifest, indent=2) + "\n")
    sizes["model.json"] = (out / "model.json").stat().st_size
    print("sizes:", sizes, "package total with noq:", total, flush=True)
    return manifest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    export(a.ckpt, Path(a.out))


if __name__ == "__main__":
    main()
