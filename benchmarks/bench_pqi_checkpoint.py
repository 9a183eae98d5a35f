"""Benchmark of ``sparsity-oracle pqi`` on a large sharded bfloat16 checkpoint (issue 17; not a test).

(a) Writes a Llama-like checkpoint in the layout ``save_pretrained`` uses (shards
    ``model-0000i-of-0000n.safetensors`` + ``model.safetensors.index.json``) of about
    ``--params`` parameters (default 4e9, about 8 GB of bfloat16: vocabulary 128256, hidden 4096,
    MLP 14336, grouped-query attention) into ``--out`` (default /tmp/pqi-bench; never committed;
    deleted at the end unless ``--keep``).  The largest tensor is the 128256 x 4096 embedding.
(b) Drops the shards from the page cache (fsync, then posix_fadvise DONTNEED), times a
    sequential read of the same files (16 MiB reads), drops them again.
(c) Runs ``python -m sparsity_oracle pqi OUT --json`` once on that cold cache: wall time, peak
    resident memory of the process (getrusage of the child), throughput = bytes of the shards /
    wall time, and that as a fraction of (b).
(d) One ``--tensor-entries`` (default 1e8) bfloat16 tensor through ``--fast`` and
    ``--certified``: wall times of the two commands, their ratio, and the agreement of every
    value within the oracle's budgets (``oracle.tolerances``; counts equal).
Prints the load (uptime) before and after, and markdown rows for docs/benchmarks.md.

Usage: python benchmarks/bench_pqi_checkpoint.py [--params 4e9] [--shard-bytes 2e9]
       [--tensor-entries 1e8] [--out /tmp/pqi-bench] [--keep] [--skip-big] [--skip-tensor]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import mpmath
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sparsity_oracle.oracle.tolerances import (  # noqa: E402
    Precision,
    gini_budget,
    pq_index_budget,
    pqi_bound_relative_budget,
)

VOCAB, HIDDEN, MLP, KV = 128256, 4096, 14336, 1024
CHUNK_ENTRIES = 2**24


def layout(params: float) -> list[tuple[str, tuple[int, ...]]]:
    """(name, shape) of a Llama-like model with about ``params`` parameters."""
    layer = [("self_attn.q_proj.weight", (HIDDEN, HIDDEN)), ("self_attn.k_proj.weight", (KV, HIDDEN)),
             ("self_attn.v_proj.weight", (KV, HIDDEN)), ("self_attn.o_proj.weight", (HIDDEN, HIDDEN)),
             ("mlp.gate_proj.weight", (MLP, HIDDEN)), ("mlp.up_proj.weight", (MLP, HIDDEN)),
             ("mlp.down_proj.weight", (HIDDEN, MLP)), ("input_layernorm.weight", (HIDDEN,)),
             ("post_attention_layernorm.weight", (HIDDEN,))]
    per_layer = sum(math.prod(shape) for _, shape in layer)
    layers = max(1, round((params - 2 * VOCAB * HIDDEN) / per_layer))
    names = [("model.embed_tokens.weight", (VOCAB, HIDDEN))]
    names += [(f"model.layers.{i}.{name}", shape) for i in range(layers) for name, shape in layer]
    return names + [("model.norm.weight", (HIDDEN,)), ("lm_head.weight", (VOCAB, HIDDEN))]


def write_safetensors(path: Path, tensors: list[tuple[str, tuple[int, ...]]], seed: int) -> None:
    """A .safetensors file of bfloat16 N(0, s^2) tensors (s varies by tensor), written tensor by
    tensor in chunks (never a whole shard in memory)."""
    header, offset = {}, 0
    for name, shape in tensors:
        size = 2 * math.prod(shape)
        header[name] = {"dtype": "BF16", "shape": list(shape), "data_offsets": [offset, offset + size]}
        offset += size
    header["__metadata__"] = {"format": "pt"}
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    generator = torch.Generator().manual_seed(seed)
    with open(path, "wb") as file:
        file.write(len(raw).to_bytes(8, "little") + raw)
        for i, (name, shape) in enumerate(tensors):
            scale = 0.02 * (1 + (i % 5) / 2)
            remaining = math.prod(shape)
            while remaining:
                count = min(remaining, CHUNK_ENTRIES)
                chunk = (torch.randn(count, generator=generator) * scale).to(torch.bfloat16)
                if name.endswith("layernorm.weight") or name == "model.norm.weight":
                    chunk = torch.ones(count, dtype=torch.bfloat16)
                file.write(chunk.view(torch.int16).numpy().tobytes())
                remaining -= count
        file.flush()
        os.fsync(file.fileno())


def write_checkpoint(out: Path, params: float, shard_bytes: float) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    shards, current, size = [], [], 0
    for name, shape in layout(params):
        nbytes = 2 * math.prod(shape)
        if current and size + nbytes > shard_bytes:
            shards.append(current)
            current, size = [], 0
        current.append((name, shape))
        size += nbytes
    shards.append(current)
    weight_map, paths = {}, []
    for i, tensors in enumerate(shards):
        path = out / f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors"
        write_safetensors(path, tensors, seed=i)
        weight_map.update({name: path.name for name, _ in tensors})
        paths.append(path)
    total = sum(2 * math.prod(shape) for tensors in shards for _, shape in tensors)
    (out / "model.safetensors.index.json").write_text(
        json.dumps({"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}, indent=2))
    return paths


def drop_from_page_cache(paths) -> None:
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def sequential_read_seconds(paths) -> float:
    buffer = memoryview(bytearray(2**24))
    start = time.perf_counter()
    for path in paths:
        with open(path, "rb", buffering=0) as file:
            while file.readinto(buffer):
                pass
    return time.perf_counter() - start


def timed_rss(command: list[str]) -> tuple[float, int, str]:
    """(wall seconds, peak RSS in bytes, stdout) of a child process (reaped with wait4)."""
    start = time.perf_counter()
    with open(os.devnull, "w") as null:
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=null, text=True)
        out = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"{shlex.join(command)} failed with exit status {child.returncode}")
    return wall, usage.ru_maxrss * 1024, out


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def agreement(fast: dict, certified: dict) -> str:
    """Check every value of ``fast`` within the float64 budgets of ``certified``; counts equal."""
    prec = Precision.of("float64")
    worst = {}
    for got, ref in zip([*fast["tensors"], fast["global"]], [*certified["tensors"], certified["global"]]):
        assert got["prune"] == ref["prune"] and got["groups"] == ref["groups"], (got, ref)
        d = ref["entries"]
        checks = {
            "pqi": (lambda v: pq_index_budget(prec, d, 0.5, 1.0, v)),
            "gini": (lambda v: gini_budget(prec, d, v)),
            "pqi_bound": (lambda v: pqi_bound_relative_budget(prec, d, 0.5, 1.0) * v),
        }
        for key, budget in checks.items():
            value = mpmath.mpf(ref[key])
            error = abs(mpmath.mpf(got[key]) - value)
            assert error <= budget(float(value)), (key, got[key], ref[key])
            worst[key] = max(worst.get(key, 0.0), float(error / budget(float(value))))
    return ", ".join(f"{k} error {v:.2g} of its budget" for k, v in worst.items()) + "; SAP counts equal"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", type=float, default=4e9)
    parser.add_argument("--shard-bytes", type=float, default=2e9)
    parser.add_argument("--tensor-entries", type=float, default=1e8)
    parser.add_argument("--out", type=Path, default=Path("/tmp/pqi-bench"))
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--skip-big", action="store_true", help="skip (a)-(c)")
    parser.add_argument("--skip-tensor", action="store_true", help="skip (d)")
    args = parser.parse_args()
    pqi = [sys.executable, "-m", "sparsity_oracle", "pqi"]
    print(f"command: python {shlex.join(sys.argv)}")
    print(f"load before: {uptime()}")
    try:
        if not args.skip_big:
            start = time.perf_counter()
            paths = write_checkpoint(args.out / "sharded", args.params, args.shard_bytes)
            total = sum(p.stat().st_size for p in paths)
            largest = max(2 * math.prod(shape) for _, shape in layout(args.params))
            print(f"wrote {len(paths)} shards, {total / 1e9:.2f} GB, {sum(math.prod(s) for _, s in layout(args.params)):.3e} "
                  f"parameters, largest tensor {largest / 2**30:.2f} GiB, in {time.perf_counter() - start:.0f} s")
            drop_from_page_cache(paths)
            read = sequential_read_seconds(paths)
            print(f"sequential read (cold cache): {read:.1f} s = {total / read / 1e9:.2f} GB/s")
            drop_from_page_cache(paths)
            print(f"load before pqi: {uptime()}")
            wall, rss, out = timed_rss([*pqi, str(args.out / "sharded"), "--json"])
            result = json.loads(out)
            print(f"load after pqi: {uptime()}")
            print(f"pqi (cold cache, {result['method']}, {result['device']}): {wall:.1f} s, "
                  f"{total / wall / 1e9:.2f} GB/s = {100 * read / wall:.0f} % of the sequential read; "
                  f"peak RSS {rss / 2**30:.2f} GiB = largest tensor + {(rss - largest) / 2**30:.2f} GiB; "
                  f"{len(result['tensors'])} tensors, global PQI {float(result['global']['pqi']):.6f}, "
                  f"Gini {float(result['global']['gini']):.6f}")
            if not args.keep:
                shutil.rmtree(args.out / "sharded")
        if not args.skip_tensor:
            side = int(math.isqrt(int(args.tensor_entries)))
            path = args.out / "one.safetensors"
            args.out.mkdir(parents=True, exist_ok=True)
            write_safetensors(path, [("w", (side, side))], seed=99)
            runs = {}
            for method in ("--fast", "--certified"):
                wall, rss, out = timed_rss([*pqi, str(path), method, "--json"])
                runs[method] = (wall, rss, json.loads(out))
                print(f"{side}x{side} bfloat16 {method}: {wall:.1f} s, peak RSS {rss / 2**30:.2f} GiB")
            fast, certified = runs["--fast"], runs["--certified"]
            print(f"speed ratio certified/fast: {certified[0] / fast[0]:.1f}x; "
                  f"agreement: {agreement(fast[2], certified[2])}")
            if not args.keep:
                path.unlink()
    finally:
        print(f"load after: {uptime()}")


if __name__ == "__main__":
    main()
