"""The one-shot protocol (contract §10): PSO and the baselines end to end on tiny settings.

* PSO's loop (``methods.spode.prune``) against the reference's pieces composed step by step on a
  toy regression, masks and regrowth exact;
* a real PSO run's logged G values against the l2 G-path identity of the notes;
* outputs exactly as contract §10, ``--resume`` after an interruption = an uninterrupted run;
* the baselines against independent code: ``mag`` vs torch.nn.utils.prune, SNIP vs autograd on
  mask variables, GraSP's Hg vs torch.autograd.functional.hvp, SynFlow on a linear model vs
  magnitude (its scores are then |theta|);
* the command line: options checked against the registry, one-line errors, the plot.
"""

from __future__ import annotations

import copy
import json
import math
from fractions import Fraction
from pathlib import Path

import mpmath
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sparsity_oracle.cli import main  # noqa: E402
from sparsity_oracle.gpu_impl.experiments.methods import METHODS, OneShotContext  # noqa: E402
from sparsity_oracle.gpu_impl.experiments.methods import grasp, snip  # noqa: E402
from sparsity_oracle.gpu_impl.experiments.oneshot_config import OneShotConfig  # noqa: E402
from sparsity_oracle.gpu_impl.experiments.oneshot_runner import run_oneshot  # noqa: E402
from sparsity_oracle.oracle import tolerances  # noqa: E402
from sparsity_oracle.reference import spode as ref  # noqa: E402

@pytest.fixture(autouse=True)
def one_thread():
    """One intra-op thread, as the runs use (on a loaded 2-core machine torch's thread pool makes
    tiny float64 convolutions 30x slower)."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


KEYS = {"method", "density", "kept", "total", "seed", "accuracy_pruned", "accuracy_finetuned", "loss_pruned",
        "pqi", "gini"}
ODE_KEYS = {"step", "G", "dt", "radius", "loss", "grad_norm", "regrown"}


def _context(config, model, weights, batch, density, records):
    return OneShotContext(config=config, density=density, model=model, weights=weights,
                          batches=lambda: iter([batch]), loss=lambda out, y: 0.5 * ((out - y) ** 2).sum(),
                          generator=torch.Generator().manual_seed(0), in_shape=(1, 1, 4),
                          record=records.append, progress=lambda iterable, total, desc: iterable)


def test_pso_loop_matches_the_reference_step_by_step():
    """A linear model y = W x (W: 3 x 4, float64), E = |X W^T - Y|^2 / 2 on one fixed batch, PSO
    from m = 1 to density 1/4 in 15 steps: the reference's pieces composed with the exact e."""
    gen = torch.Generator().manual_seed(5)
    model = torch.nn.Linear(4, 3, bias=False).double()
    with torch.no_grad():
        model.weight.copy_(torch.randn(3, 4, generator=gen, dtype=torch.float64))
    x, y = torch.randn(6, 4, generator=gen, dtype=torch.float64), torch.randn(6, 3, generator=gen, dtype=torch.float64)
    config = OneShotConfig(method="spode", ode_steps=15, radius=1.1)
    records = []
    weights = {"weight": model.weight.detach().clone()}
    masks = METHODS["spode"].prune(_context(config, model, weights, (x, y), 0.25, records))

    theta = [Fraction(v) for v in weights["weight"].reshape(-1).tolist()]
    xs, ys = x.tolist(), y.tolist()
    with mpmath.workdps(40):
        m = [mpmath.mpf(1)] * 12
        kept = ref.polarise(m, theta, ref.sparsity_index(m, dps=40))
        for k, dt in enumerate(ref.step_sizes(0.25, 15, dps=40)):
            w = [[t * int(u) for t, u in zip(theta[4 * i: 4 * i + 4], kept[4 * i: 4 * i + 4])] for i in range(3)]
            residual = [[sum(w[i][j] * Fraction(row[j]) for j in range(4)) - Fraction(target[i]) for i in range(3)]
                        for row, target in zip(xs, ys)]
            grad = [sum(residual[b][i] * Fraction(xs[b][j]) for b in range(6)) for i in range(3) for j in range(4)]
            e = [-t * gr for t, gr in zip(theta, grad)]
            g = [-v for v in ref.sparsity_index_gradient(m, dps=40)]
            m = list(ref.euler_step(m, g, e, dt, Fraction(11, 10), dps=40))
            level = ref.sparsity_index(m, dps=40)
            new_kept = ref.polarise(m, theta, level)
            assert records[k]["regrown"] == int((new_kept & ~kept).sum()), f"step {k}"
            assert abs(records[k]["G"] - level) <= 1e-12 * level
            assert abs(records[k]["dt"] - dt) <= 1e-15
            kept = new_kept
        scores = ref.update_scores(None, [Fraction(v) for v in (mpmath.nstr(v, 40) for v in m)], theta)
        expected = ref.final_mask(scores, 0.25).reshape(3, 4)
    assert masks["weight"].tolist() == expected.tolist()
    assert int(masks["weight"].sum()) == 12 - math.floor(Fraction(0.75) * 12) == 3
    assert sum(r["regrown"] for r in records) > 0, "this toy problem regrows (seed chosen so)"


@pytest.fixture(scope="module")
def spode_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("spode")
    config = OneShotConfig(method="spode", model="mlp", densities=(0.1, 0.05), epochs=2, finetune_epochs=1,
                           ode_steps=20, seed=1)
    return config, out, run_oneshot(config, out, progress=False)


def test_outputs_are_those_of_spec_10(spode_run):
    config, out, results = spode_run
    assert results == [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert set((out / "dense.pt", out / "config.json")) <= set(out.iterdir())
    dense = torch.load(out / "dense.pt")
    for line, rho in zip(results, (0.1, 0.05)):
        assert KEYS <= set(line) and line["density"] == rho and line["method"] == "spode"
        total = 64 * 128 + 128 * 256 + 256 * 10
        assert line["total"] == total and line["kept"] == total - math.floor((1 - Fraction(rho)) * total)
        masks = torch.load(out / f"masks_{rho!r}.pt")
        assert list(masks) == ["1.weight", "3.weight", "5.weight"]
        assert sum(int(m.sum()) for m in masks.values()) == line["kept"]
        assert {k: v["kept"] for k, v in line["layers"].items()} == {k: int(m.sum()) for k, m in masks.items()}
        steps = [json.loads(s) for s in (out / f"ode_{rho!r}.jsonl").read_text().splitlines()]
        assert [s["step"] for s in steps] == list(range(20)) and all(set(s) == ODE_KEYS for s in steps)
        assert steps[-1]["G"] > rho  # the G-path overshoot of the notes
        assert all(0 <= line[k] <= 1 for k in ("accuracy_pruned", "accuracy_finetuned", "accuracy_dense"))
    assert set(dense) == set(torch.load(out / "dense.pt"))


def test_logged_g_path_follows_the_euler_identity(spode_run):
    """G_{k+1}^2 = (G_k - dt_k)^2 + (r^2 - 1) dt_k^2 (r relative) on the run's logged values."""
    config, out, _ = spode_run
    prec = tolerances.Precision.of("float64")
    d = 64 * 128 + 128 * 256 + 256 * 10
    for rho in config.densities:
        steps = [json.loads(s) for s in (out / f"ode_{rho!r}.jsonl").read_text().splitlines()]
        previous = 1.0
        for s in steps:
            expected = (previous - s["dt"]) ** 2 + (s["radius"] ** 2 - 1) * s["dt"] ** 2
            budget = tolerances.g_path_budget(prec, d, previous, s["dt"], s["radius"])
            assert abs(s["G"] ** 2 - expected) <= budget, (rho, s["step"])
            previous = s["G"]


def test_dense_model_is_the_iterative_runs_w0(spode_run, tmp_path):
    from sparsity_oracle.gpu_impl.experiments.runner import ExperimentConfig, run_experiment

    config, out, _ = spode_run
    run_experiment(ExperimentConfig(method="lt", model="mlp", iterations=1, epochs=2, seed=1), tmp_path, progress=False)
    w0 = torch.load(tmp_path / "checkpoints" / "iter_0.pt")["state_dict"]
    dense = torch.load(out / "dense.pt")
    assert all(torch.equal(w0[k], dense[k]) for k in dense)


def test_resume_after_interruption_gives_identical_results(spode_run, tmp_path):
    config, out, _ = spode_run

    def crash(rho, stage):
        if (rho, stage) == (0.05, "pruned"):
            raise KeyboardInterrupt("simulated kill")

    with pytest.raises(KeyboardInterrupt):
        run_oneshot(config, tmp_path, progress=False, on_density=crash)
    assert len((tmp_path / "results.jsonl").read_text().splitlines()) == 1
    with pytest.raises(FileExistsError):
        run_oneshot(config, tmp_path, progress=False)
    with pytest.raises(ValueError, match="seed"):
        run_oneshot(OneShotConfig(**{**config.__dict__, "seed": 2}), tmp_path, resume=True, progress=False)
    run_oneshot(config, tmp_path, resume=True, progress=False)
    for name in ("results.jsonl", "ode_0.1.jsonl", "ode_0.05.jsonl"):
        assert (tmp_path / name).read_text() == (out / name).read_text(), name
    for rho in (0.1, 0.05):
        a, b = torch.load(tmp_path / f"masks_{rho!r}.pt"), torch.load(out / f"masks_{rho!r}.pt")
        assert all(torch.equal(a[k], b[k]) for k in a)


# --- baselines against independent code --------------------------------------------------------


def _weights(seed=0):
    gen = torch.Generator().manual_seed(seed)
    return {"a": torch.randn(20, 30, generator=gen), "b": torch.randn(10, 20, generator=gen)}


@pytest.mark.parametrize("density", [0.1, 0.35, 0.02])
def test_mag_matches_torch_prune(density):
    import torch.nn.utils.prune as torch_prune

    weights = _weights()
    modules = {n: torch.nn.Linear(w.shape[1], w.shape[0], bias=False) for n, w in weights.items()}
    for n, module in modules.items():
        module.weight.data.copy_(weights[n])
    total = sum(w.numel() for w in weights.values())
    config = OneShotConfig(method="mag", scope="global")
    context = _context(config, None, weights, None, density, [])
    got = METHODS["mag"].prune(context)
    torch_prune.global_unstructured([(m, "weight") for m in modules.values()], pruning_method=torch_prune.L1Unstructured,
                                    amount=math.floor((1 - Fraction(density)) * total))
    assert all(torch.equal(got[n], modules[n].weight_mask.bool()) for n in weights)
    layer = METHODS["mag"].prune(_context(OneShotConfig(method="mag", scope="layer"), None, weights, None, density, []))
    for n, w in weights.items():
        module = torch.nn.Linear(w.shape[1], w.shape[0], bias=False)
        module.weight.data.copy_(w)
        torch_prune.l1_unstructured(module, "weight", amount=math.floor((1 - Fraction(density)) * w.numel()))
        assert torch.equal(layer[n], module.weight_mask.bool())


def _mlp_context(method, density=0.2, scope="global"):
    torch.manual_seed(3)
    model = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.ReLU(), torch.nn.Linear(7, 3))
    gen = torch.Generator().manual_seed(4)
    data = [(torch.randn(8, 5, generator=gen), torch.randint(0, 3, (8,), generator=gen)) for _ in range(3)]
    weights = {n: p.detach().clone() for n, p in model.named_parameters() if p.ndim >= 2}
    context = OneShotContext(config=OneShotConfig(method=method, scope=scope), density=density, model=model,
                             weights=weights, batches=lambda: iter(data), loss=torch.nn.functional.cross_entropy,
                             generator=torch.Generator().manual_seed(0), in_shape=(5,), record=lambda r: None,
                             progress=lambda iterable, total, desc: iterable)
    return context, model, data, weights


def test_snip_scores_are_the_mask_gradients():
    context, model, data, weights = _mlp_context("snip")
    got = snip.saliency(context)
    gates = {n: torch.ones_like(w, requires_grad=True) for n, w in weights.items()}
    loss = sum(torch.nn.functional.cross_entropy(
        torch.func.functional_call(model, {n: gates[n] * w for n, w in weights.items()}, (x,)), y) for x, y in data)
    grads = torch.autograd.grad(loss, list(gates.values()))
    for (n, s), g in zip(got.items(), grads):
        torch.testing.assert_close(s, g.abs(), rtol=1e-5, atol=1e-7)


def test_grasp_hg_is_the_hessian_vector_product():
    context, model, data, weights = _mlp_context("grasp")
    got = grasp.hessian_gradient(context)
    names = list(weights)
    shapes = [w.shape for w in weights.values()]
    sizes = [w.numel() for w in weights.values()]

    def total_loss(flat):
        params = {n: p.reshape(s) for n, p, s in zip(names, flat.split(sizes), shapes)}
        out = [torch.func.functional_call(model, params, (x,)) / grasp.TEMPERATURE for x, _ in data]
        return sum(torch.nn.functional.cross_entropy(o, y) for o, (_, y) in zip(out, data))

    flat = torch.cat([w.reshape(-1) for w in weights.values()])
    g = torch.autograd.functional.jacobian(total_loss, flat)
    _, hg = torch.autograd.functional.hvp(total_loss, flat, g)
    torch.testing.assert_close(torch.cat([h.reshape(-1) for h in got]), hg, rtol=1e-4, atol=1e-9)


def test_synflow_on_a_linear_model_is_magnitude_pruning():
    """For f(x) = W x + b the synaptic flow R = sum |W| 1 + sum |b| has dR/dW = 1, so every
    round's scores are |W| (masked): 100 rounds end where one magnitude prune does."""
    gen = torch.Generator().manual_seed(6)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 9))
    model[1].weight.data.copy_(torch.randn(9, 12, generator=gen))
    weights = {"1.weight": model[1].weight.detach().clone()}
    for scope in ("global", "layer"):
        context = OneShotContext(config=OneShotConfig(method="synflow", scope=scope), density=0.1, model=model,
                                 weights=weights, batches=None, loss=None, generator=None, in_shape=(1, 3, 4),
                                 record=lambda r: None, progress=lambda iterable, total, desc: iterable)
        mag = METHODS["mag"].prune(context)
        assert torch.equal(METHODS["synflow"].prune(context)["1.weight"], mag["1.weight"])
        assert int(mag["1.weight"].sum()) == 108 - math.floor(Fraction(0.9) * 108)


@pytest.mark.parametrize("method", ["random", "snip", "grasp", "synflow"])
@pytest.mark.parametrize("scope", ["global", "layer"])
def test_baselines_keep_the_exact_count(method, scope):
    context, *_ = _mlp_context(method, density=0.3, scope=scope)
    masks = METHODS[method].prune(context)
    sizes = {n: w.numel() for n, w in context.weights.items()}
    if scope == "global":
        total = sum(sizes.values())
        assert sum(int(m.sum()) for m in masks.values()) == total - math.floor(Fraction(0.7) * total)
    else:
        assert {n: int(m.sum()) for n, m in masks.items()} == {
            n: d - math.floor(Fraction(0.7) * d) for n, d in sizes.items()}


# --- the command line -------------------------------------------------------------------------


def test_cli_runs_plots_and_rejects_foreign_options(tmp_path, capsys):
    base = ["--model", "mlp", "--epochs", "1", "--finetune-epochs", "1", "--densities", "0.2", "0.05",
            "--no-progress"]
    runs = []
    for method, extra in (("spode", ["--ode-steps", "5"]), ("mag", ["--scope", "layer"]), ("random", []),
                          ("synflow", [])):
        out = tmp_path / "sweep" / "runs" / method  # laid out as a sweep folder (plot DIR below)
        assert main(["reproduce", "--method", method, *base, *extra, "--out", str(out)]) == 0
        runs.append(str(out))
    assert "2 densities" in capsys.readouterr().out
    png = tmp_path / "oneshot.png"
    assert main(["plot", *runs, "--output", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    cases = [
        (["--method", "mag", "--ode-steps", "5"], "--ode-steps does not apply to --method mag (it applies to: spode)"),
        (["--method", "sap", "--densities", "0.1"], "--densities does not apply to --method sap"),
        (["--method", "spode", "--amount", "0.3"], "--amount does not apply to --method spode"),
        (["--method", "spode", "--scope", "layer"], "scope must be one of ('global',) for method 'spode'"),
        (["--method", "spode", "--radius", "0.9"], "radius must be >= 1"),
        (["--method", "mag", "--densities", "0.1", "1.5"], r"density must lie in (0, 1]"),
        (["--method", "mag", "--densities", "0.1", "0.1"], "densities must be distinct"),
        (["--method", "mag", "--init", str(tmp_path / "none.pt")], "init: "),
        (["--method", "mag", "--model", "cnn", "--init", str(Path(runs[1]) / "dense.pt")], "does not fit the model"),
    ]
    for args, message in cases:
        assert main(["reproduce", *args, "--no-progress", "--out", str(tmp_path / "bad")]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err, err
    sap = tmp_path / "sweep" / "runs" / "sap"
    assert main(["reproduce", "--method", "sap", "--iterations", "1", "--epochs", "1", "--no-progress",
                 "--out", str(sap)]) == 0
    assert main(["plot", str(sap), runs[0]]) == 2
    assert "cannot plot iterative and one-shot runs" in capsys.readouterr().err
    capsys.readouterr()
    assert main(["plot", str(tmp_path / "sweep")]) == 0  # a sweep folder: one figure per kind of run
    figures = tmp_path / "sweep" / "figures"
    assert capsys.readouterr().out.split() == [str(figures / "oneshot-digits-mlp.png"),
                                               str(figures / "pruning-digits-mlp.png")]
    assert all(png.read_bytes()[:4] == b"\x89PNG" for png in figures.iterdir())


def test_init_skips_training_and_is_used(tmp_path):
    first = tmp_path / "first"
    config = OneShotConfig(method="mag", model="mlp", densities=(0.5,), epochs=1, finetune_epochs=0)
    run_oneshot(config, first, progress=False)
    again = OneShotConfig(method="mag", model="mlp", densities=(0.5,), epochs=1, finetune_epochs=0,
                          init=str(first / "dense.pt"), seed=9)
    lines = run_oneshot(again, tmp_path / "again", progress=False)
    a, b = torch.load(first / "dense.pt"), torch.load(tmp_path / "again" / "dense.pt")
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert np.isclose(lines[0]["accuracy_pruned"], lines[0]["accuracy_finetuned"])  # no fine-tuning


def test_cnn_run_reestimates_batchnorm(tmp_path):
    """The CNN (BatchNorm, 1.55 M prunable weights) end to end with PSO: the exact count, and
    ``accuracy_pruned`` / ``loss_pruned`` are those of the dense weights times the saved masks
    after BatchNorm re-estimation (recomputed with the run's one thread)."""
    from sparsity_oracle.gpu_impl.experiments.data import load_dataset
    from sparsity_oracle.gpu_impl.experiments.models import build_model
    from sparsity_oracle.gpu_impl.experiments.training import evaluate, reestimate_batchnorm

    config = OneShotConfig(method="spode", model="cnn", densities=(0.05,), epochs=1, finetune_epochs=0, ode_steps=3)
    (line,) = run_oneshot(config, tmp_path, progress=False)
    assert line["kept"] == line["total"] - math.floor((1 - Fraction(0.05)) * line["total"])
    data = load_dataset("digits")
    model = build_model("cnn", data.in_shape, data.classes)
    model.load_state_dict(torch.load(tmp_path / "dense.pt"))
    masks = torch.load(tmp_path / "masks_0.05.pt")
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name in masks:
                param.mul_(masks[name])
        reestimate_batchnorm(model, data.x_train, batch_size=config.batch_size)
        assert evaluate(model, data.x_test, data.y_test)[1] == line["accuracy_pruned"]
        assert evaluate(model, data.x_train, data.y_train)[0] == line["loss_pruned"]


@pytest.mark.parametrize("method", ["synflow", "grasp", "snip"])
def test_baselines_on_a_batchnorm_model(method):
    """SynFlow (linearised, eval mode) and GraSP / SNIP (train mode, double backward for GraSP)
    through Conv-BatchNorm layers: exact counts, and the caller's model is left untouched."""
    torch.manual_seed(7)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1, bias=False), torch.nn.BatchNorm2d(4),
                                torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(4 * 16, 3))
    gen = torch.Generator().manual_seed(8)
    data = [(torch.randn(6, 1, 4, 4, generator=gen), torch.randint(0, 3, (6,), generator=gen)) for _ in range(2)]
    weights = {n: p.detach().clone() for n, p in model.named_parameters() if p.ndim >= 2}
    private = copy.deepcopy(model).train()
    context = OneShotContext(config=OneShotConfig(method=method), density=0.25, model=private, weights=weights,
                             batches=lambda: iter(data), loss=torch.nn.functional.cross_entropy,
                             generator=torch.Generator().manual_seed(0), in_shape=(1, 4, 4), record=lambda r: None,
                             progress=lambda iterable, total, desc: iterable)
    masks = METHODS[method].prune(context)
    total = sum(w.numel() for w in weights.values())
    assert sum(int(m.sum()) for m in masks.values()) == total - math.floor(Fraction(0.75) * total)
    assert all(torch.equal(p, weights[n]) for n, p in model.named_parameters() if n in weights)
