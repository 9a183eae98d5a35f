"""``pqi`` on checkpoints as people have them (issue 17): sharded safetensors in the layout
``save_pretrained`` writes (several shards, bfloat16/float16/float32, an index), nested torch
checkpoints; the fast path (gpu_impl) against the certified one (the reference) within the
oracle's budgets (``sparsity_oracle.oracle.tolerances``), counts exactly; and one clear error
line, exit status 2, for a corrupt shard, a missing shard and a NaN weight."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import mpmath
import pytest

torch = pytest.importorskip("torch")
safetensors_torch = pytest.importorskip("safetensors.torch")

from sparsity_oracle import pqi_compute, pqi_report  # noqa: E402
from sparsity_oracle.cli import main  # noqa: E402
from sparsity_oracle.oracle.tolerances import (  # noqa: E402
    Precision,
    gini_budget,
    pq_index_budget,
    pqi_bound_relative_budget,
)

INDEX = "model.safetensors.index.json"
FLOAT64 = Precision.of("float64")
#: Neuron rows of 16-bit and float32 tensors: gpu_impl forms their power-sum terms in float32.
FLOAT32 = Precision.of("float32")


def _tensors() -> dict:
    """A small transformer-like state: embeddings, 3 layers (attention in bfloat16, MLP in
    float16 with zeros, a float32 output projection, 1-D norms), an all-zero row, a head."""
    gen = torch.Generator().manual_seed(17)

    def weights(*shape, dtype=torch.bfloat16, keep=1.0):
        w = torch.randn(*shape, generator=gen) * 0.05
        return (w * (torch.rand(*shape, generator=gen) < keep)).to(dtype)

    state = {"model.embed_tokens.weight": weights(40, 12)}
    for i in range(3):
        prefix = f"model.layers.{i}"
        state[f"{prefix}.self_attn.q_proj.weight"] = weights(12, 12)
        state[f"{prefix}.self_attn.o_proj.weight"] = weights(12, 12, dtype=torch.float32)
        state[f"{prefix}.mlp.up_proj.weight"] = weights(24, 12, dtype=torch.float16, keep=0.4)
        state[f"{prefix}.input_layernorm.weight"] = torch.ones(12, dtype=torch.bfloat16)
    state["model.layers.1.mlp.up_proj.weight"][5] = 0
    state["lm_head.weight"] = weights(40, 12)
    return state


def write_sharded(folder, state, shards=3) -> dict:
    """``state`` as ``save_pretrained`` lays it out: model-0000i-of-0000n.safetensors + index."""
    folder.mkdir(parents=True, exist_ok=True)
    names = list(state)
    weight_map = {}
    for i in range(shards):
        shard = f"model-{i + 1:05d}-of-{shards:05d}.safetensors"
        part = {name: state[name] for name in names[i::shards]}
        safetensors_torch.save_file(part, str(folder / shard), metadata={"format": "pt"})
        weight_map.update({name: shard for name in part})
    total = sum(t.numel() * t.element_size() for t in state.values())
    (folder / INDEX).write_text(json.dumps({"metadata": {"total_size": total},
                                            "weight_map": dict(sorted(weight_map.items()))}, indent=2))
    return weight_map


@pytest.fixture(scope="module")
def sharded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("checkpoint")
    write_sharded(folder, _tensors())
    return folder


def _run(capsys, *argv) -> dict:
    assert main(["pqi", *map(str, argv), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _mpf(text):
    return None if text is None else mpmath.mpf(text)


def _precision(dtype: str) -> Precision:
    return FLOAT32 if dtype != "float64" else FLOAT64


def assert_agree(fast: dict, certified: dict, dtypes: dict, p=0.5, q=1.0) -> None:
    """Every row of the fast report within the oracle's budgets of the certified one; counts,
    groups, names, shapes and entries equal.  Per-tensor and global values come from exact
    histograms with float64 terms (float64 budgets); neuron sums from float32 terms."""
    assert fast["method"] == "fast" and certified["method"] == "certified"
    assert fast["skipped"] == certified["skipped"]
    rows = list(zip(fast["tensors"], certified["tensors"])) + [(fast["global"], certified["global"])]
    for got, ref in rows:
        assert {k: got[k] for k in ("name", "shape", "entries", "groups", "prune")} == \
               {k: ref[k] for k in ("name", "shape", "entries", "groups", "prune")}
        d = got["entries"]
        for key in ("pqi", "gini", "pqi_bound"):
            assert (got[key] is None) == (ref[key] is None), (got["name"], key)
        if ref["pqi"] is None:
            continue
        value = _mpf(ref["pqi"])
        assert abs(_mpf(got["pqi"]) - value) <= pq_index_budget(FLOAT64, d, p, q, float(value)), got["name"]
        value = _mpf(ref["gini"])
        assert abs(_mpf(got["gini"]) - value) <= gini_budget(FLOAT64, d, float(value)), got["name"]
        if ref["pqi_bound"] is not None:
            if fast["scope"] == "neuron":
                group = d // max(got["groups"], 1) if got["name"] != "(global)" else max(
                    r["entries"] // r["groups"] for r in fast["tensors"])
                precision = min((_precision(t) for t in dtypes.values()), key=lambda prec: -prec.u)
                budget = pqi_bound_relative_budget(precision, group, p, q)
            else:
                budget = pqi_bound_relative_budget(FLOAT64, d, p, q)
            value = _mpf(ref["pqi_bound"])
            assert abs(_mpf(got["pqi_bound"]) - value) <= budget * value, got["name"]


@pytest.mark.parametrize("scope", ["global", "layer", "neuron"])
def test_sharded_checkpoint_fast_path_agrees_with_the_certified_one(capsys, sharded, scope):
    fast = _run(capsys, sharded, "--fast", "--scope", scope)
    certified = _run(capsys, sharded, "--certified", "--scope", scope)
    state = _tensors()
    prunable = [n for n, t in state.items() if t.dim() >= 2]
    assert [r["name"] for r in certified["tensors"]] == [
        "lm_head.weight", "model.embed_tokens.weight",
        *[f"model.layers.{i}.{m}" for i in range(3)
          for m in ("mlp.up_proj.weight", "self_attn.o_proj.weight", "self_attn.q_proj.weight")]]
    assert sorted(certified["skipped"]) == sorted(n for n in state if n not in prunable)
    assert fast["device"] == "cpu" and certified["dps"] == 20 and fast["dps"] is None
    assert_agree(fast, certified, {n: str(t.dtype).removeprefix("torch.") for n, t in state.items()})


def test_certified_values_are_the_references_on_the_bfloat16_numbers(capsys, sharded):
    from sparsity_oracle.reference import gini, pq_index, sap_prune_count

    out = _run(capsys, sharded / INDEX, "--certified", "--include", "*embed*")
    values = _tensors()["model.embed_tokens.weight"].float().numpy().ravel()
    row = out["tensors"][0]
    assert [r["name"] for r in out["tensors"]] == ["model.embed_tokens.weight"]
    with mpmath.workdps(30):
        assert abs(mpmath.mpf(row["pqi"]) - pq_index(values, dps=25)) < mpmath.mpf(10) ** -19
        assert abs(mpmath.mpf(row["gini"]) - gini(values, dps=25)) < mpmath.mpf(10) ** -19
    assert row["prune"] == sap_prune_count(values)


def test_other_parameters(capsys, sharded):
    argv = [sharded, "--p", "0.25", "--q", "2", "--gamma", "1/3", "--beta", "0.7", "--eta-r", "0.1"]
    for scope in ("layer", "neuron"):
        fast = _run(capsys, *argv, "--fast", "--scope", scope)
        certified = _run(capsys, *argv, "--certified", "--scope", scope)
        assert_agree(fast, certified, {"": "bfloat16"}, p=0.25, q=2.0)


def test_the_beta_cap_is_exact(capsys, tmp_path):
    """beta = 0.7 is read as 7/10: 730 entries may lose 511, though 0.7 * 730 = 510.99999999999994
    in float64."""
    path = tmp_path / "one.safetensors"
    w = torch.zeros(73, 10, dtype=torch.bfloat16)
    w[:, 0] = torch.linspace(1, 2, 73)
    safetensors_torch.save_file({"w": w}, str(path))
    for method in ("--fast", "--certified"):
        out = _run(capsys, path, method, "--gamma", "3", "--beta", "0.7")
        assert out["tensors"][0]["prune"] == out["global"]["prune"] == 511


def test_include_exclude_and_auto_path(capsys, sharded, monkeypatch):
    out = _run(capsys, sharded, "--include", "*layers*", "--exclude", "*o_proj*", "--exclude", "*.2.*")
    assert [r["name"] for r in out["tensors"]] == [
        "model.layers.0.mlp.up_proj.weight", "model.layers.0.self_attn.q_proj.weight",
        "model.layers.1.mlp.up_proj.weight", "model.layers.1.self_attn.q_proj.weight"]
    assert out["method"] == "certified" and "lm_head.weight" in out["skipped"]
    monkeypatch.setattr(pqi_report, "AUTO_CERTIFIED_ENTRIES", 100)
    assert _run(capsys, sharded)["method"] == "fast"


def test_global_gini_beyond_the_distinct_limit_is_said(capsys, sharded, monkeypatch):
    monkeypatch.setattr(pqi_compute, "GLOBAL_DISTINCT_LIMIT", 2**15 + 10)
    out = _run(capsys, sharded, "--fast")
    assert out["global"]["gini"] is None and out["global"]["pqi"] is not None
    assert len(out["notes"]) == 1 and "the global Gini is not computed" in out["notes"][0]
    assert main(["pqi", str(sharded), "--fast"]) == 0
    assert "note: the global Gini is not computed" in capsys.readouterr().out.splitlines()[-1]


def test_without_torch_large_inputs_take_the_certified_path(capsys, sharded, monkeypatch):
    monkeypatch.setattr(pqi_report, "unavailable", lambda: "gpu_impl: unavailable (torch is not installed)")
    monkeypatch.setattr(pqi_report, "AUTO_CERTIFIED_ENTRIES", 100)
    assert main(["pqi", str(sharded), "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["method"] == "certified"
    assert "note: gpu_impl: unavailable (torch is not installed); using the certified path" in captured.err
    assert main(["pqi", str(sharded), "--fast"]) == 1
    assert capsys.readouterr().err == "sparsity-oracle pqi: error: gpu_impl: unavailable (torch is not installed)\n"


def test_sharded_bfloat16_checkpoint_is_read_without_torch(capsys, sharded):
    """The safetensors reader needs no torch (issue 12, item 8): the certified path works in a
    process where ``import torch`` fails, with the same values."""
    boot = ("import sys; sys.modules['torch'] = None; from sparsity_oracle.cli import main; "
            "sys.exit(main(sys.argv[1:]))")
    result = subprocess.run([sys.executable, "-c", boot, "pqi", str(sharded), "--certified", "--json"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == _run(capsys, sharded, "--certified")


def test_per_group_csv_agrees_neuron_by_neuron(capsys, sharded):
    def table(*argv):
        assert main(["pqi", str(sharded), "--scope", "neuron", "--csv", "--per-group", *argv]) == 0
        return list(csv.DictReader(io.StringIO(capsys.readouterr().out)))

    fast, certified = table("--fast"), table("--certified")
    assert len(fast) == len(certified) == 11 + 40 * 2 + 3 * (12 + 12 + 24) + 1
    zero_row = [r for r in certified if r["tensor"] == "model.layers.1.mlp.up_proj.weight" and r["neuron"] == "5"]
    assert zero_row[0]["pqi"] == "" and zero_row[0]["prune"] == "0"
    for got, ref in zip(fast, certified):
        assert {k: got[k] for k in ("tensor", "neuron", "shape", "entries", "groups", "prune")} == \
               {k: ref[k] for k in ("tensor", "neuron", "shape", "entries", "groups", "prune")}
        if ref["neuron"] == "" or ref["pqi"] == "":
            continue
        d = int(ref["entries"])
        value = mpmath.mpf(ref["pqi"])
        assert abs(mpmath.mpf(got["pqi"]) - value) <= pq_index_budget(FLOAT32, d, 0.5, 1.0, float(value))
        value = mpmath.mpf(ref["gini"])
        assert abs(mpmath.mpf(got["gini"]) - value) <= gini_budget(FLOAT32, d, float(value))
        value = mpmath.mpf(ref["pqi_bound"])
        assert abs(mpmath.mpf(got["pqi_bound"]) - value) <= pqi_bound_relative_budget(FLOAT32, d, 0.5, 1.0) * value


def test_torch_checkpoint_nested_with_module_prefix(capsys, tmp_path, sharded):
    state = {f"module.{k}": v for k, v in _tensors().items()}
    path = tmp_path / "checkpoint.pt"
    torch.save({"epoch": 3, "model_state_dict": state}, path)
    fast, certified = _run(capsys, path, "--fast"), _run(capsys, path, "--certified")
    assert_agree(fast, certified, {"": "bfloat16"})
    from_shards = _run(capsys, sharded, "--certified")
    assert sorted(certified["tensors"], key=lambda r: r["name"]) == sorted(from_shards["tensors"], key=lambda r: r["name"])
    assert certified["global"] == from_shards["global"]


def test_progress_bar_on_a_terminal_only(capsys, sharded, monkeypatch):
    pytest.importorskip("tqdm")

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    assert main(["pqi", str(sharded), "--fast", "--json"]) == 0
    assert capsys.readouterr().err == ""
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["pqi", str(sharded), "--fast", "--json"]) == 0
    total = sum(t.numel() * t.element_size() for t in _tensors().values() if t.dim() >= 2)
    shown = terminal.getvalue()
    assert f"pqi:   0%|          | 0.00/{total / 1024:.2f}k" in shown and "B/s" in shown


def test_plot_along_depth(capsys, tmp_path, sharded):
    pytest.importorskip("matplotlib")
    figure = tmp_path / "depth.png"
    assert main(["pqi", str(sharded), "--fast", "--plot", str(figure)]) == 0
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert pqi_report._depth(["lm_head.w", "embed.w", "layers.0.a.w", "layers.0.b.w", "layers.1.a.w", "x.w"]) == [
        (2, "lm_head.w"), (-1, "embed.w"), (0, "layers.*.a.w"), (0, "layers.*.b.w"), (1, "layers.*.a.w"),
        (2, "x.w")]
    assert pqi_report._depth(["conv.w", "fc.w"]) == [(0, "tensors"), (1, "tensors")]


# --- errors: one line naming the file and the tensor, exit status 2, no traceback ---------


def _cli(*argv) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "sparsity_oracle", "pqi", *map(str, argv)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 2, result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sparsity-oracle pqi: error: "), result.stderr
    return lines[0]


def _copy(tmp_path, name="ckpt"):
    folder = tmp_path / name
    return folder, write_sharded(folder, _tensors())


def test_corrupt_shard(tmp_path):
    folder, weight_map = _copy(tmp_path)
    shard = folder / "model-00002-of-00003.safetensors"
    shard.write_bytes(shard.read_bytes()[:8] + b"{not json" + shard.read_bytes()[17:])
    line = _cli(folder)
    held = sorted(n for n, s in weight_map.items() if s == shard.name)
    assert shard.name in line and "not a valid .safetensors file" in line and repr(held[0]) in line


def test_truncated_shard_names_the_tensor(tmp_path, capsys):
    folder, _ = _copy(tmp_path)
    shard = folder / "model-00003-of-00003.safetensors"
    shard.write_bytes(shard.read_bytes()[:-100])
    assert main(["pqi", str(folder)]) == 2
    line = capsys.readouterr().err.strip()
    assert shard.name in line and "tensor '" in line and "truncated" in line


def test_missing_shard(tmp_path):
    folder, weight_map = _copy(tmp_path)
    (folder / "model-00001-of-00003.safetensors").unlink()
    line = _cli(folder / INDEX)
    first = sorted(n for n, s in weight_map.items() if s.startswith("model-00001"))[0]
    assert "model-00001-of-00003.safetensors: shard missing" in line and repr(first) in line


def test_nan_weight(tmp_path):
    state = _tensors()
    state["model.layers.2.self_attn.q_proj.weight"][3, 7] = float("nan")
    folder = tmp_path / "nan"
    weight_map = write_sharded(folder, state)
    line = _cli(folder, "--fast")
    shard = weight_map["model.layers.2.self_attn.q_proj.weight"]
    assert line.endswith(f"{shard}: tensor 'model.layers.2.self_attn.q_proj.weight' has the non-finite "
                         "entry nan at index (3, 7)")


def test_usage_errors(capsys, sharded, tmp_path):
    def fails(*argv, expect):
        assert main(["pqi", *map(str, argv)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and expect in err[0], err

    if not torch.cuda.is_available():
        fails(sharded, "--device", "cuda", expect="CUDA is not available")
    fails(sharded, "--certified", "--device", "cpu", expect="--device applies to the fast path")
    fails(sharded, "--per-group", expect="--per-group needs --csv and --scope neuron")
    fails(sharded, "--plot", tmp_path / "missing" / "x.png", expect="does not exist")
    fails(sharded, "--include", "nothing*", expect="no prunable tensor")
    fails(tmp_path, expect="a folder without a checkpoint index")
    index = tmp_path / "bad.index.json"
    index.write_text('{"weight_map": []}')
    fails(index, expect="not a checkpoint index")
