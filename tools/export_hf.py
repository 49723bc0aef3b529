"""Export a Hugging Face LLaVA-family VLM to the model-package contract (docs/model-package.md).

    python3 tools/export_hf.py --model PATH_OR_ID --out DIR [--dtype fp32|fp16] [--max-length N]

Supported: LLaVA-1.5 (`LlavaForConditionalGeneration`: CLIP vision tower, Llama decoder, one fixed
336-pixel tile of 24 x 24 image tokens) and LLaVA-1.6 / LLaVA-NeXT (`LlavaNextForConditionalGeneration`:
AnyRes tiles + base image, unpadding, image-newline tokens; Mistral (GQA) or Vicuna/Llama decoder).
See docs/models.md for usage and docs/export-hf.md for what is verified.

Writes vision.onnx, embed.onnx, decoder.onnx (+ `<name>.data` external-data files for graphs over
~1.8 GB), tokenizer.json and model.json. The decoder's `queries.{i}`, `present.{i}.*` and
`key_bias.{i}` come from a custom attention function registered with transformers'
`AttentionInterface` and selected with `attn_implementation` — the model's own modules run
unchanged, and the function sees the query and key tensors exactly where the model multiplies them
(after rotary embedding, keys after the cache update).

Nothing half-written is left behind: the package is assembled in a hidden sibling folder and
renamed into place only once every file and model.json are written.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

FORMAT = "vlcache-model/1"
PROBE_ATTENTION = "vlcache_probe"
FILES = {"tokenizer": "tokenizer.json", "vision": "vision.onnx", "embed": "embed.onnx", "decoder": "decoder.onnx"}
OPSET = 17
# ONNX protobufs cannot exceed 2 GiB; graphs whose weights exceed this go to one external-data file.
EXTERNAL_DATA_BYTES = 1_800_000_000
# model_type -> architecture class name.
SUPPORTED_FAMILIES = {"llava": "LlavaForConditionalGeneration", "llava_next": "LlavaNextForConditionalGeneration",
                      "llava_onevision": "LlavaOnevisionForConditionalGeneration"}
ANYRES_FAMILIES = ("llava_next", "llava_onevision")
SUPPORTED_ARCHITECTURES = tuple(SUPPORTED_FAMILIES.values())
SUPPORTED_TEXT_MODELS = ("llama", "mistral", "qwen2")
SUPPORTED_VISION_MODELS = ("clip_vision_model", "siglip_vision_model")
# Vision towers whose first output token is a CLS token (dropped by the "default" feature strategy).
CLS_VISION_MODELS = ("clip_vision_model",)
# RoPE variants whose cos/sin depend only on the position (not on the sequence length seen so far).
STATIC_ROPE_TYPES = ("default", "linear", "llama3")
# Used only when the checkpoint's processor has no chat template.
DEFAULT_TEMPLATES = {"llama": "USER: <image>\n{prompt} ASSISTANT:", "mistral": "[INST] <image>\n{prompt} [/INST]"}
PROMPT_PLACEHOLDER = "{prompt}"
RESAMPLE = {0: "nearest", 2: "bilinear", 3: "bicubic"}  # PIL's codes


class ExportError(Exception):
    """The checkpoint cannot be expressed as a model package; the message names what is missing."""


# ---------------------------------------------------------------------------------------------
# The attention-function hook


class _Capture:
    def __init__(self, key_bias):
        self.key_bias = key_bias
        self.queries: dict[int, torch.Tensor] = {}
        self.keys: dict[int, torch.Tensor] = {}
        self.values: dict[int, torch.Tensor] = {}


class Probe:
    """State shared between the export wrappers and the registered attention function.

    Inside `capture(key_bias)` the attention function records layer i's query (after rotary,
    before scaling), its keys and values (the full cache after the update: past then new) and adds
    `key_bias[i]` ([1, kvHeads, 1, T_i + n]) to the scaled logits. Outside a capture it behaves as
    plain causal attention, so a model left on this implementation still runs."""

    def __init__(self):
        self.current: _Capture | None = None

    def capture(self, key_bias):
        probe = self

        class _Ctx:
            def __enter__(self):
                probe.current = _Capture(key_bias)
                return probe.current

            def __exit__(self, *exc):
                probe.current = None
                return False

        return _Ctx()


PROBE = Probe()


def probe_attention(module, query, key, value, attention_mask, scaling, dropout=0.0, softcap=None, **kwargs):
    """Signature of transformers' attention functions: query [b, H, n, D], key/value [b, Hkv, T, D]
    (T = past + n). Returns (output [b, n, H, D], probabilities [b, H, n, T]).

    The mask transformers builds is not used: the block is causal within itself (query t sees the
    T - n past keys and new keys 0..t), and everything else comes from key_bias. Per-layer past
    lengths therefore may differ."""
    cap = PROBE.current
    layer = module.layer_idx
    b, heads, n, d = query.shape
    kv_heads = key.shape[1]
    g = heads // kv_heads
    total = key.shape[2]
    if cap is not None:
        cap.queries[layer] = query
        cap.keys[layer] = key
        cap.values[layer] = value
    # [b, Hkv, g, n, D] x [b, Hkv, 1, D, T] -> [b, Hkv, g, n, T]: query head h uses KV head h // g.
    z = torch.matmul(query.reshape(b, kv_heads, g, n, d), key.unsqueeze(2).transpose(-1, -2)) * scaling
    if softcap is not None:
        z = torch.tanh(z / softcap) * softcap
    if cap is not None and cap.key_bias is not None:
        z = z + cap.key_bias[layer].to(z.dtype).unsqueeze(2)  # [b, Hkv, 1, 1, T]
    q_pos = torch.arange(n, device=query.device) + (total - n)
    k_pos = torch.arange(total, device=query.device)
    z = z.masked_fill(k_pos[None, :] > q_pos[:, None], float("-inf"))
    probs = torch.softmax(z, dim=-1, dtype=torch.float32).to(query.dtype)
    out = torch.matmul(probs, value.unsqueeze(2))  # [b, Hkv, g, n, D]
    out = out.reshape(b, heads, n, d).transpose(1, 2).contiguous()
    return out, probs.reshape(b, heads, n, total)


def register_probe() -> str:
    from transformers import AttentionInterface

    AttentionInterface.register(PROBE_ATTENTION, probe_attention)
    return PROBE_ATTENTION


def use_attention(model, text: str, vision: str = "eager") -> None:
    """Select the text decoder's and the vision tower's attention functions by name."""
    model.set_attn_implementation({"": vision, "text_config": text, "vision_config": vision})
    got = model.model.language_model.config._attn_implementation
    if got != text:
        raise ExportError(f"could not select attention implementation {text!r} for the text decoder (it uses {got!r})")


# ---------------------------------------------------------------------------------------------
# Export wrappers


class VisionExport(nn.Module):
    """pixel_values f32 [N_tiles, 3, H, W] -> image_features [1, N_tiles * n_img, hidden], as
    LlavaModel.get_image_features selects them (feature layer, CLS dropped for 'default'), then the
    projector."""

    def __init__(self, llava, feature_layer, strategy: str, dtype: torch.dtype):
        super().__init__()
        self.vision_tower = llava.model.vision_tower
        self.projector = llava.model.multi_modal_projector
        self.feature_layer = feature_layer
        self.strategy = strategy
        self.dtype = dtype
        # LLaVA-NeXT: the learned vector the runtime appends after every row of the unpadded grid.
        self.newline = getattr(llava.model, "image_newline", None)

    def forward(self, pixel_values):
        out = self.vision_tower(pixel_values.to(self.dtype), output_hidden_states=True, return_dict=True)
        layers = [self.feature_layer] if isinstance(self.feature_layer, int) else list(self.feature_layer)
        hs = [out.hidden_states[i] for i in layers]
        if self.strategy == "default":
            hs = [h[:, 1:] for h in hs]
        f = self.projector(torch.cat(hs, dim=-1))
        f = f.reshape(1, -1, f.shape[-1])
        if self.newline is None:
            return f
        # "+ 0 * f[0, 0]": an op on the input, so constant folding cannot turn the output into an initializer.
        return f, self.newline.to(f.dtype) + 0 * f[0, 0]


class EmbedExport(nn.Module):
    def __init__(self, llava):
        super().__init__()
        self.embed = llava.get_input_embeddings()

    def forward(self, input_ids):
        return self.embed(input_ids)


class DecoderExport(nn.Module):
    """inputs: inputs_embeds, position_ids, past_key_values.{i}.key/.value (all layers), key_bias.{i}
    outputs: logits, present.{i}.key/.value (all layers), queries.{i} (when `queries`)."""

    def __init__(self, llava, layers: int, queries: bool = True):
        super().__init__()
        self.lm = llava.model.language_model
        self.lm_head = llava.lm_head
        self.layers = layers
        self.queries = queries

    def forward(self, inputs_embeds, position_ids, *rest):
        from transformers import DynamicCache

        L = self.layers
        past = [(rest[2 * i], rest[2 * i + 1]) for i in range(L)]
        bias = list(rest[2 * L : 3 * L])
        cache = DynamicCache(ddp_cache_data=past)
        with PROBE.capture(bias) as cap:
            hidden = self.lm(inputs_embeds=inputs_embeds, position_ids=position_ids, past_key_values=cache,
                             use_cache=True, return_dict=True).last_hidden_state
        out = [self.lm_head(hidden)]
        for i in range(L):
            out += [cap.keys[i], cap.values[i]]
        if self.queries:
            out += [cap.queries[i] for i in range(L)]
        return tuple(out)


def decoder_io(layers: int, queries: bool = True):
    ins = ["inputs_embeds", "position_ids"]
    outs = ["logits"]
    axes = {"inputs_embeds": {1: "n"}, "position_ids": {1: "n"}, "logits": {1: "n"}}
    for i in range(layers):
        for kv in ("key", "value"):
            ins.append(f"past_key_values.{i}.{kv}")
            outs.append(f"present.{i}.{kv}")
            axes[f"past_key_values.{i}.{kv}"] = {2: f"past_{i}"}
            axes[f"present.{i}.{kv}"] = {2: f"total_{i}"}
    for i in range(layers):
        ins.append(f"key_bias.{i}")
        axes[f"key_bias.{i}"] = {3: f"total_{i}"}
    if queries:
        for i in range(layers):
            outs.append(f"queries.{i}")
            axes[f"queries.{i}"] = {2: "n"}
    return ins, outs, axes


def decoder_example(layers, hidden, kv_heads, head_dim, dtype, n: int = 5):
    """Trace inputs: a different past length in every layer, so none is baked in as a constant."""
    args = [torch.randn(1, n, hidden, dtype=dtype), torch.arange(40, 40 + n)[None]]
    pasts = [3 + i for i in range(layers)]
    for t in pasts:
        args += [torch.randn(1, kv_heads, t, head_dim, dtype=dtype), torch.randn(1, kv_heads, t, head_dim, dtype=dtype)]
    args += [torch.zeros(1, kv_heads, 1, t + n, dtype=dtype) for t in pasts]
    return tuple(args)


# ---------------------------------------------------------------------------------------------
# Checks: what the contract can express


def check_supported(config) -> None:
    """Raise ExportError naming every part of the configuration the exporter cannot express."""
    problems = []
    archs = list(getattr(config, "architectures", None) or [])
    if getattr(config, "model_type", None) not in SUPPORTED_FAMILIES:
        problems.append(f"model_type is {getattr(config, 'model_type', None)!r}; supported: "
                        + ", ".join(f"'{t}' ({a})" for t, a in SUPPORTED_FAMILIES.items()))
    elif archs and not any(a in SUPPORTED_ARCHITECTURES for a in archs):
        problems.append(f"architectures {archs}; supported: {', '.join(SUPPORTED_ARCHITECTURES)}")
    vc = getattr(config, "vision_config", None)
    tc = getattr(config, "text_config", None)
    if vc is None:
        problems.append("the checkpoint has no vision tower (config.vision_config is missing)")
    elif vc.model_type not in SUPPORTED_VISION_MODELS:
        problems.append(f"vision tower {vc.model_type!r}; supported: {', '.join(SUPPORTED_VISION_MODELS)}")
    if tc is None:
        problems.append("the checkpoint has no text decoder (config.text_config is missing)")
    else:
        if tc.model_type not in SUPPORTED_TEXT_MODELS:
            problems.append(f"text decoder {tc.model_type!r}; supported: {', '.join(SUPPORTED_TEXT_MODELS)}")
        rope = (getattr(tc, "rope_parameters", None) or {}).get("rope_type", "default")
        if rope not in STATIC_ROPE_TYPES:
            problems.append(f"rope_type {rope!r} depends on the sequence length; supported: {', '.join(STATIC_ROPE_TYPES)}")
        if getattr(tc, "sliding_window", None):
            problems.append(f"sliding_window {tc.sliding_window} (not yet expressed by this exporter)")
    strategy = getattr(config, "vision_feature_select_strategy", "default")
    if strategy not in ("default", "full"):
        problems.append(f"vision_feature_select_strategy {strategy!r}; supported: 'default', 'full'")
    elif strategy == "full" and (vc is None or vc.model_type in CLS_VISION_MODELS):
        problems.append(f"vision_feature_select_strategy {config.vision_feature_select_strategy!r}: the CLS token "
                        "would make n_img = rows x cols + 1, which a fixed layout cannot express")
    aspect = getattr(config, "vision_aspect_ratio", None)
    if getattr(config, "model_type", None) == "llava_onevision" and not (
            isinstance(aspect, str) and aspect.startswith("anyres_max_") and aspect[11:].isdigit()):
        problems.append(f"vision_aspect_ratio {aspect!r}; supported: 'anyres_max_N'")
    if getattr(config, "model_type", None) in ANYRES_FAMILIES:
        pins = getattr(config, "image_grid_pinpoints", None)
        side = getattr(vc, "image_size", None) if vc is not None else None
        if not pins:
            problems.append("image_grid_pinpoints is missing (AnyRes needs the candidate resolutions)")
        elif side and any(int(h) % side or int(w) % side for h, w in pins):
            problems.append(f"image_grid_pinpoints {pins} are not multiples of the tile size {side}")
    if problems:
        raise ExportError("cannot export this checkpoint:\n  - " + "\n  - ".join(problems))


def _size(v, key):
    if isinstance(v, dict):
        return v.get(key) or v.get("shortest_edge")
    return getattr(v, key, None) if v is not None else None


def image_settings(image_processor, vision_config, config=None) -> dict:
    """The manifest's `image` block from the checkpoint's image processor (CLIP-style); for LLaVA-NeXT
    the AnyRes layout (docs/model-package.md): the model's grid pinpoints, which must equal the
    processor's, base image + tiles, unpadding and newline tokens."""
    tile = vision_config.image_size
    crop = _size(getattr(image_processor, "crop_size", None), "height")
    if crop is not None and crop != tile:
        raise ExportError(f"image processor crop size {crop} differs from the vision tower's image size {tile}")
    # A remainder is allowed: the patch convolution drops it (SigLIP-384/14 gives 27 x 27 patches).
    if tile < vision_config.patch_size:
        raise ExportError(f"image size {tile} is smaller than the patch size {vision_config.patch_size}")
    r = getattr(image_processor, "resample", 3)
    name = getattr(r, "name", None)
    if isinstance(r, int) or (name is not None and hasattr(r, "value") and isinstance(r.value, int)):
        resize = RESAMPLE.get(int(r.value if hasattr(r, "value") else r))
    else:
        resize = str(name or r).lower()
        resize = {"bicubic": "bicubic", "bilinear": "bilinear", "nearest": "nearest"}.get(resize)
    if resize is None:
        raise ExportError(f"image resample {r!r} has no counterpart (bilinear, bicubic, nearest)")
    mean = [float(x) for x in image_processor.image_mean]
    std = [float(x) for x in image_processor.image_std]
    side = tile // vision_config.patch_size
    if getattr(config, "model_type", None) not in ANYRES_FAMILIES:
        return {"resize": resize, "mean": mean, "std": std,
                "layout": {"kind": "fixed", "size": tile, "rows": side, "cols": side}}
    pins = [[int(h), int(w)] for h, w in config.image_grid_pinpoints]
    proc_pins = getattr(image_processor, "image_grid_pinpoints", None)
    if proc_pins is not None and [[int(h), int(w)] for h, w in proc_pins] != pins:
        raise ExportError(f"the image processor's grid pinpoints {proc_pins} differ from the model's {pins}")
    if getattr(image_processor, "do_pad", True) is False:
        raise ExportError("the image processor does not pad tiles (do_pad=False); AnyRes needs the padded canvas")
    layout = {"kind": "anyres", "gridPinpoints": pins, "tileSize": tile, "rows": side, "cols": side,
              "newline": True, "unpad": True}
    if max_tiles(config) is not None:  # LLaVA-NeXT has no limit: the key is left out, not null
        layout["maxTiles"] = max_tiles(config)
    return {"resize": resize, "mean": mean, "std": std, "layout": layout}


def max_tiles(config) -> int | None:
    """LLaVA-OneVision's "anyres_max_N": an unpadded grid holding more than ~N tiles of features is
    downsampled (bilinear) to about N tiles; None = never (LLaVA-NeXT)."""
    aspect = getattr(config, "vision_aspect_ratio", None)
    if getattr(config, "model_type", None) == "llava_onevision" and isinstance(aspect, str):
        return int(aspect[len("anyres_max_"):])
    return None


def prompt_template(processor, family: str, image_token: str, bos_text: str | None) -> str:
    """The checkpoint's chat template rendered for one user turn (an image, then the prompt) with a
    generation prompt; the family default when the processor has none."""
    template = None
    if getattr(processor, "chat_template", None):
        conv = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": PROMPT_PLACEHOLDER}]}]
        try:
            template = processor.apply_chat_template(conv, add_generation_prompt=True, tokenize=False)
        except Exception as e:  # noqa: BLE001 - a template that does not render falls back to the default
            print(f"chat template did not render ({e}); using the {family} default", file=sys.stderr)
            template = None
        if isinstance(template, list):
            template = template[0]
    if template is None:
        template = DEFAULT_TEMPLATES.get(family, DEFAULT_TEMPLATES["llama"])
    if bos_text and template.startswith(bos_text):
        template = template[len(bos_text):]  # the runtime adds bos itself
    if template.count(image_token) != 1 or template.count(PROMPT_PLACEHOLDER) != 1:
        raise ExportError(f"prompt template {template!r} must contain {image_token!r} and {PROMPT_PLACEHOLDER!r} exactly once")
    return template


def _dtype_name(d) -> str | None:
    d = str(d).replace("torch.", "") if d is not None else None
    return {"float16": "f16", "bfloat16": "bf16", "float32": "f32"}.get(d)


# ---------------------------------------------------------------------------------------------
# Export


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 24), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest()


def _param_bytes(module: nn.Module) -> int:
    seen, total = set(), 0
    for p in list(module.parameters()) + list(module.buffers()):
        if id(p) not in seen:
            seen.add(id(p))
            total += p.numel() * p.element_size()
    return total


def _as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def _onnx_export(module, args, path: Path, input_names, output_names, dynamic_axes, scratch: Path) -> list[str]:
    """TorchScript exporter (dynamo=False, as TOOLCHAIN.md) into scratch, then saved at `path`, with
    all weights in one `<name>.data` file when the graph is too big for one protobuf. Returns the
    package files written."""
    import onnx

    big = _param_bytes(module) > EXTERNAL_DATA_BYTES
    device = next(module.parameters()).device  # trace where the model is (a 7B model traces faster on a GPU)
    args = tuple(a.to(device) for a in args)
    tmp_dir = scratch / (path.stem + ".tmp")
    tmp_dir.mkdir()
    tmp = tmp_dir / path.name
    with torch.no_grad():
        shapes = [tuple(o.shape) for o in _as_tuple(module(*args))]
        torch.onnx.export(module, args, str(tmp), input_names=input_names, output_names=output_names,
                          dynamic_axes=dynamic_axes, opset_version=OPSET, dynamo=False, do_constant_folding=True)
    model = onnx.load(str(tmp))  # pulls in whatever external files the exporter wrote
    shutil.rmtree(tmp_dir)
    # Outputs' fixed axes (batch 1, heads, head dim, vocab) get their values instead of the
    # exporter's generated names.
    for out, shape in zip(model.graph.output, shapes):
        dynamic = dynamic_axes.get(out.name, {})
        for j, dim in enumerate(out.type.tensor_type.shape.dim):
            if j not in dynamic and j < len(shape):
                dim.Clear()
                dim.dim_value = int(shape[j])
    if not big:
        onnx.save_model(model, str(path))
        return [path.name]
    data = path.name + ".data"
    onnx.save_model(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                    location=data, size_threshold=1024)
    return [path.name, data]


def export_llava(model, processor, out: Path, *, dtype: str = "fp32", max_length: int | None = None,
                 name: str | None = None, template: str | None = None, force: bool = False) -> dict:
    """Export a loaded LlavaForConditionalGeneration and its processor into the package folder `out`."""
    t0 = time.time()
    config = model.config
    check_supported(config)
    tc, vc = config.text_config, config.vision_config
    torch_dtype = {"fp32": torch.float32, "fp16": torch.float16}[dtype]
    out = Path(out)
    if out.exists() and any(out.iterdir()) and not force:
        raise ExportError(f"{out} exists and is not empty (pass --force to replace it)")

    tok = processor.tokenizer
    image_token = getattr(processor, "image_token", "<image>")
    image_id = config.image_token_id
    tok_image = tok.convert_tokens_to_ids(image_token)
    if tok_image != image_id:
        raise ExportError(f"tokenizer maps {image_token!r} to {tok_image}, the model's image_token_id is {image_id}")
    if tok.eos_token_id is None:
        raise ExportError("the tokenizer has no eos token")
    bos_text = tok.bos_token if tok.bos_token_id is not None else None
    template = template or prompt_template(processor, tc.model_type, image_token, bos_text)
    if template.count(image_token) != 1 or template.count(PROMPT_PLACEHOLDER) != 1:
        raise ExportError(f"prompt template must contain {image_token!r} and {PROMPT_PLACEHOLDER!r} exactly once")
    image = image_settings(processor.image_processor, vc, config)
    anyres = image["layout"]["kind"] == "anyres"

    layers = tc.num_hidden_layers
    heads = tc.num_attention_heads
    kv_heads = tc.num_key_value_heads or heads
    head_dim = getattr(tc, "head_dim", None) or tc.hidden_size // heads
    max_pos = tc.max_position_embeddings
    if max_length is not None:
        if max_length > max_pos:
            raise ExportError(f"--max-length {max_length} exceeds the model's max_position_embeddings {max_pos}")
        max_pos = max_length
    attn0 = model.model.language_model.layers[0].self_attn
    scale = float(attn0.scaling)

    model = model.to(torch_dtype).eval()
    register_probe()
    use_attention(model, PROBE_ATTENTION)

    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        scratch = work / ".scratch"
        scratch.mkdir()
        written: list[str] = []
        side = vc.image_size
        timings = {}
        t = time.time()
        written += _onnx_export(
            VisionExport(model, config.vision_feature_layer, config.vision_feature_select_strategy, torch_dtype),
            (torch.randn(2 if anyres else 1, 3, side, side),), work / FILES["vision"], ["pixel_values"],
            ["image_features", "image_newline"] if anyres else ["image_features"],
            {"pixel_values": {0: "tiles"}, "image_features": {1: "n_img"}}, scratch)
        timings["vision"] = time.time() - t
        t = time.time()
        written += _onnx_export(
            EmbedExport(model), (torch.tensor([[1, 5, 6]]),), work / FILES["embed"], ["input_ids"], ["inputs_embeds"],
            {"input_ids": {1: "n"}, "inputs_embeds": {1: "n"}}, scratch)
        timings["embed"] = time.time() - t
        t = time.time()
        ins, outs, axes = decoder_io(layers)
        written += _onnx_export(
            DecoderExport(model, layers), decoder_example(layers, tc.hidden_size, kv_heads, head_dim, torch_dtype),
            work / FILES["decoder"], ins, outs, axes, scratch)
        timings["decoder"] = time.time() - t
        shutil.rmtree(scratch)
        tok.backend_tokenizer.save(str(work / FILES["tokenizer"]))
        written.append(FILES["tokenizer"])

        kv_dtype = _dtype_name(getattr(tc, "dtype", None) or getattr(config, "dtype", None)) or _dtype_name(torch_dtype)
        manifest = {
            "format": FORMAT,
            "name": name or Path(str(getattr(config, "_name_or_path", "") or out.name)).name or out.name,
            "family": config.model_type,
            "layers": layers,
            "heads": heads,
            "kvHeads": kv_heads,
            "headDim": head_dim,
            "hidden": tc.hidden_size,
            "vocabSize": tc.vocab_size,
            "maxPositions": max_pos,
            "ioDtype": "f16" if dtype == "fp16" else "f32",
            "kvDtype": kv_dtype,
            "attention": {"scale": scale, "slidingWindow": None,
                          "softcap": getattr(tc, "attn_logit_softcapping", None)},
            "positionIds": "1d",
            "logitsLastOnly": False,
            "image": image,
            "prompt": {"template": template, "imagePlaceholder": image_token, "promptPlaceholder": PROMPT_PLACEHOLDER},
            "tokens": {
                "bos": tok.bos_token_id,
                "eos": tok.eos_token_id,
                "pad": tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id,
                "image": image_id,
                "unk": tok.unk_token_id if tok.unk_token_id is not None else tok.eos_token_id,
            },
            "files": dict(FILES),
            "hashes": {f: sha256(work / f) for f in written},
        }
        (work / "model.json").write_text(json.dumps(manifest, indent=2) + "\n")
        if out.exists():
            shutil.rmtree(out)
        os.rename(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    sizes = {f: (out / f).stat().st_size for f in written}
    print(f"exported {manifest['name']} to {out} in {time.time() - t0:.1f} s "
          f"({', '.join(f'{k} {v:.1f} s' for k, v in timings.items())}); files: {sizes}", flush=True)
    return manifest


def load_checkpoint(path_or_id: str, dtype: str, device: str = "cpu"):
    """The model (eager attention everywhere, then switched to the probe by the exporter) and its processor."""
    import transformers
    from transformers import AutoConfig, AutoProcessor

    try:
        config = AutoConfig.from_pretrained(path_or_id)
    except Exception as e:  # noqa: BLE001
        raise ExportError(f"cannot read a configuration from {path_or_id}: {e}") from e
    check_supported(config)
    try:
        processor = AutoProcessor.from_pretrained(path_or_id)
    except Exception as e:  # noqa: BLE001
        raise ExportError(f"cannot load the processor (tokenizer + image processor) of {path_or_id}: {e}") from e
    if not hasattr(processor, "image_processor") or not hasattr(processor, "tokenizer"):
        raise ExportError(f"{path_or_id}: the processor has no image processor or no tokenizer")
    torch_dtype = {"fp32": torch.float32, "fp16": torch.float16}[dtype]
    cls = getattr(transformers, SUPPORTED_FAMILIES[config.model_type])
    model = cls.from_pretrained(path_or_id, dtype=torch_dtype, attn_implementation="eager")
    return model.to(device).eval(), processor


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="a local checkpoint folder or a Hugging Face model id")
    ap.add_argument("--out", required=True, help="package folder to create")
    ap.add_argument("--dtype", choices=("fp32", "fp16"), default="fp32")
    ap.add_argument("--max-length", type=int, default=None, help="maxPositions of the package (default: the model's)")
    ap.add_argument("--name", default=None)
    ap.add_argument("--template", default=None, help="prompt template with <image> and {prompt} (default: the chat template)")
    ap.add_argument("--force", action="store_true", help="replace an existing non-empty --out")
    ap.add_argument("--device", default="cpu", help="where to trace the model: cpu or cuda (faster for 7B models)")
    a = ap.parse_args(argv)
    try:
        model, processor = load_checkpoint(a.model, a.dtype, a.device)
        export_llava(model, processor, Path(a.out), dtype=a.dtype, max_length=a.max_length, name=a.name,
                     template=a.template, force=a.force)
    except ExportError as e:
        print(f"export_hf: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
