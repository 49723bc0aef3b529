"""The bundled VLM (PyTorch): ViT patch-8 encoder -> MLP projector -> LLaMA-style decoder.

Decoder: rotary embeddings, RMSNorm, SwiGLU, grouped-query attention. Two attention paths share the
weights: `forward_train` (batched, fused causal attention, used for training and batched greedy
evaluation) and `forward_cached` (the contract of docs/model-package.md: explicit eager attention
with a past cache per layer, an additive key_bias, and the queries after rotary).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class Config:
    image: int = 192
    patch: int = 8
    vis_dim: int = 192
    vis_layers: int = 4
    vis_heads: int = 6
    vis_mlp: int = 512
    hidden: int = 192
    layers: int = 6
    heads: int = 8
    kv_heads: int = 2
    head_dim: int = 32
    mlp: int = 512
    vocab: int = 83
    rope_theta: float = 10000.0
    max_positions: int = 1024
    eps: float = 1e-5

    @property
    def n_img(self) -> int:
        return (self.image // self.patch) ** 2

    @property
    def scale(self) -> float:
        return 1.0 / math.sqrt(self.head_dim)

    def to_dict(self) -> dict:
        return asdict(self)


# ---------------------------------------------------------------- vision


class VisionBlock(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.heads = c.vis_heads
        self.ln1 = nn.LayerNorm(c.vis_dim)
        self.qkv = nn.Linear(c.vis_dim, 3 * c.vis_dim)
        self.proj = nn.Linear(c.vis_dim, c.vis_dim)
        self.ln2 = nn.LayerNorm(c.vis_dim)
        self.fc1 = nn.Linear(c.vis_dim, c.vis_mlp)
        self.fc2 = nn.Linear(c.vis_mlp, c.vis_dim)

    def forward(self, x: torch.Tensor, eager: bool) -> torch.Tensor:
        b, n, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).view(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        if eager:
            a = torch.softmax((q @ k.transpose(-1, -2)) * (q.shape[-1] ** -0.5), dim=-1) @ v
        else:
            a = F.scaled_dot_product_attention(q, k, v)
        x = x + self.proj(a.transpose(1, 2).reshape(b, n, d))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class VisionTower(nn.Module):
    """pixel_values [N, 3, 192, 192] (normalised) -> image features [N, 576, hidden]."""

    def __init__(self, c: Config):
        super().__init__()
        self.patch = nn.Conv2d(3, c.vis_dim, c.patch, c.patch)
        self.pos = nn.Parameter(torch.randn(1, c.n_img, c.vis_dim) * 0.02)
        self.blocks = nn.ModuleList(VisionBlock(c) for _ in range(c.vis_layers))
        self.ln = nn.LayerNorm(c.vis_dim)
        self.proj1 = nn.Linear(c.vis_dim, c.hidden)
        self.proj2 = nn.Linear(c.hidden, c.hidden)

    def forward(self, pixels: torch.Tensor, eager: bool = False) -> torch.Tensor:
        x = self.patch(pixels).flatten(2).transpose(1, 2) + self.pos
        for blk in self.blocks:
            x = blk(x, eager)
        return self.proj2(F.gelu(self.proj1(self.ln(x))))


# ---------------------------------------------------------------- decoder


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        xf = x.float()
        return (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)).to(x.dtype) * self.weight


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class DecoderLayer(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.c = c
        self.norm1 = RMSNorm(c.hidden, c.eps)
        self.q = nn.Linear(c.hidden, c.heads * c.head_dim, bias=False)
        self.k = nn.Linear(c.hidden, c.kv_heads * c.head_dim, bias=False)
        self.v = nn.Linear(c.hidden, c.kv_heads * c.head_dim, bias=False)
        self.o = nn.Linear(c.heads * c.head_dim, c.hidden, bias=False)
        self.norm2 = RMSNorm(c.hidden, c.eps)
        self.gate = nn.Linear(c.hidden, c.mlp, bias=False)
        self.up = nn.Linear(c.hidden, c.mlp, bias=False)
        self.down = nn.Linear(c.mlp, c.hidden, bias=False)

    def _qkv(self, x, cos, sin):
        b, n, _ = x.shape
        c = self.c
        q = self.q(x).view(b, n, c.heads, c.head_dim).transpose(1, 2)
        k = self.k(x).view(b, n, c.kv_heads, c.head_dim).transpose(1, 2)
        v = self.v(x).view(b, n, c.kv_heads, c.head_dim).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        return q, k, v

    def _mlp(self, x):
        h = self.norm2(x)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))

    def forward_train(self, x, cos, sin):
        b, n, _ = x.shape
        c = self.c
        g = c.heads // c.kv_heads
        q, k, v = self._qkv(self.norm1(x), cos, sin)
        k = k[:, :, None].expand(b, c.kv_heads, g, n, c.head_dim).reshape(b, c.heads, n, c.head_dim)
        v = v[:, :, None].expand(b, c.kv_heads, g, n, c.head_dim).reshape(b, c.heads, n, c.head_dim)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=c.scale)
        x = x + self.o(a.transpose(1, 2).reshape(b, n, c.heads * c.head_dim))
        return self._mlp(x)

    def forward_cached(self, x, cos, sin, past_k, past_v, key_bias):
        """x [1, n, hidden]; past_* [1, kvH, T, D]; key_bias [1, kvH, 1, T + n].
        Returns x, present_k, present_v, queries [1, H, n, D], probs [1, H, n, T + n]."""
        _, n, _ = x.shape
        c = self.c
        g = c.heads // c.kv_heads
        q, k, v = self._qkv(self.norm1(x), cos, sin)
        keys = torch.cat([past_k, k], dim=2)
        values = torch.cat([past_v, v], dim=2)
        t_past = past_k.shape[2]
        total = keys.shape[2]
        scores = torch.matmul(q.reshape(1, c.kv_heads, g, n, c.head_dim), keys.unsqueeze(2).transpose(-1, -2)) * c.scale
        scores = scores + key_bias.unsqueeze(2)  # broadcast over the g query heads and the n rows
        q_pos = torch.arange(n, device=x.device) + t_past
        k_pos = torch.arange(total, device=x.device)
        scores = scores.masked_fill(k_pos[None, :] > q_pos[:, None], float("-inf"))  # causal in the block
        probs = torch.softmax(scores, dim=-1)
        a = torch.matmul(probs, values.unsqueeze(2))  # [1, kvH, g, n, D]
        a = a.reshape(1, c.heads, n, c.head_dim).transpose(1, 2).reshape(1, n, c.heads * c.head_dim)
        x = self._mlp(x + self.o(a))
        return x, keys, values, q, probs.reshape(1, c.heads, n, total)


class LanguageModel(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.c = c
        self.embed = nn.Embedding(c.vocab, c.hidden)
        self.layers = nn.ModuleList(DecoderLayer(c) for _ in range(c.layers))
        self.norm = RMSNorm(c.hidden, c.eps)
        self.lm_head = nn.Linear(c.hidden, c.vocab, bias=False)
        inv = 1.0 / (c.rope_theta ** (torch.arange(0, c.head_dim, 2, dtype=torch.float32) / c.head_dim))
        self.register_buffer("inv_freq", inv, persistent=False)

    def rope(self, position_ids: torch.Tensor):
        freqs = position_ids[..., None].float() * self.inv_freq  # [B, n, D/2]
        emb = torch.cat([freqs, freqs], dim=-1)[:, None]  # [B, 1, n, D]
        return emb.cos(), emb.sin()

    def forward_train(self, embeds: torch.Tensor, first_logit: int = 0) -> torch.Tensor:
        b, n, _ = embeds.shape
        pos = torch.arange(n, device=embeds.device)[None].expand(b, n)
        cos, sin = self.rope(pos)
        x = embeds
        for layer in self.layers:
            x = layer.forward_train(x, cos, sin)
        return self.lm_head(self.norm(x[:, first_logit:]))

    def forward_cached(self, embeds, position_ids, past, key_bias):
        cos, sin = self.rope(position_ids)
        x = embeds
        presents, queries, probs = [], [], []
        for i, layer in enumerate(self.layers):
            x, k, v, q, p = layer.forward_cached(x, cos, sin, past[i][0], past[i][1], key_bias[i])
            presents.append((k, v))
            queries.append(q)
            probs.append(p)
        return self.lm_head(self.norm(x)), presents, queries, probs


class VLM(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.c = c
        self.vision = VisionTower(c)
        self.lm = LanguageModel(c)
        self.apply(self._init)
        for layer in self.lm.layers:
            nn.init.normal_(layer.o.weight, std=0.02 / math.sqrt(2 * c.layers))
            nn.init.normal_(layer.down.weight, std=0.02 / math.sqrt(2 * c.layers))

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)
            if getattr(m, "bias", None) is not None:
                nn.init.zeros_(m.bias)

    def embed_with_image(self, ids: torch.Tensor, feats: torch.Tensor, img_start: int) -> torch.Tensor:
        """Token embeddings with the image positions [img_start, img_start + 576) replaced by the
        vision features (the runtime does the same with vision.onnx's output)."""
        e = self.lm.embed(ids)
        n_img = feats.shape[1]
        return torch.cat([e[:, :img_start], feats.to(e.dtype), e[:, img_start + n_img :]], dim=1)


def normalise_pixels(images_uint8: torch.Tensor) -> torch.Tensor:
    """[B, H, W, 3] uint8 -> [B, 3, H, W] float, scaled to [0, 1] then (x - 0.5) / 0.5."""
    x = images_uint8.permute(0, 3, 1, 2).float() / 255.0
    return (x - 0.5) / 0.5


def count_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())
