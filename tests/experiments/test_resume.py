"""``--resume``: a run killed at any iteration and resumed is the uninterrupted run, for every
registered method of the iterative protocol and every scope, in every logged value and every checkpoint; and it goes on from
where it stopped rather than starting again."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")

from sparsity_oracle.gpu_impl.experiments.methods import METHODS  # noqa: E402
from sparsity_oracle.gpu_impl.experiments.runner import ExperimentConfig, run_experiment  # noqa: E402

ITERATIONS = 3
#: every method of the iterative protocol registered by the package (tests register theirs
#: later), every scope it takes; the one-shot protocol (SpODE and its baselines) has its own
#: runner, oneshot_runner
RUNS = [(name, scope) for name, method in list(METHODS.items()) if method.protocol == "iterative"
        for scope in method.scopes]


def test_the_iterative_methods_are_covered():
    assert {name for name, _ in RUNS} >= {"sap", "lt", "oneshot"}


class Killed(Exception):
    """Stands for the process being killed."""


def _config(method: str, scope: str) -> ExperimentConfig:
    return ExperimentConfig(method=method, model="mlp", iterations=ITERATIONS, epochs=1, seed=2, scope=scope)


def _checkpoints(out):
    return [torch.load(out / "checkpoints" / f"iter_{t}.pt") for t in range(ITERATIONS)]


def _assert_same_checkpoints(a, b):
    for t, (x, y) in enumerate(zip(a, b)):
        assert x.keys() == y.keys()
        for part in x:
            assert x[part].keys() == y[part].keys()
            for name in x[part]:
                assert torch.equal(x[part][name], y[part][name]), f"iteration {t}: {part}[{name}] differs"


@pytest.mark.parametrize("method, scope", RUNS, ids=[f"{m}-{s}" for m, s in RUNS])
def test_killed_at_every_iteration_and_resumed_is_the_straight_run(tmp_path, method, scope):
    config = _config(method, scope)
    straight = run_experiment(config, tmp_path / "straight", progress=False)
    out = tmp_path / "killed"
    for kill_at in range(ITERATIONS):
        # start (or resume: then at iteration kill_at - 1, which the last start did not finish),
        # finish the iterations before kill_at, be killed during kill_at
        epochs = []

        def record_and_kill(t, e):
            epochs.append((t, e))
            if t == kill_at:
                raise Killed

        with pytest.raises(Killed):
            run_experiment(config, out, resume=kill_at > 0, progress=False, on_epoch=record_and_kill)
        assert epochs == [(t, 0) for t in range(max(kill_at - 1, 0), kill_at + 1)], "an iteration was trained twice"
        results = out / "results.jsonl"
        lines = results.read_text().splitlines() if results.exists() else []
        assert [json.loads(line)["iteration"] for line in lines] == list(range(kill_at))
    epochs = []
    resumed = run_experiment(config, out, resume=True, progress=False, on_epoch=lambda t, e: epochs.append((t, e)))
    assert epochs == [(ITERATIONS - 1, 0)]
    assert resumed == straight
    assert (out / "results.jsonl").read_text() == (tmp_path / "straight" / "results.jsonl").read_text()
    _assert_same_checkpoints(_checkpoints(out), _checkpoints(tmp_path / "straight"))


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_a_run_on_cuda_resumes_on_cuda(tmp_path):
    """The checkpoints are saved on the CPU; a resume on CUDA loads them onto the run's device
    (the masks then multiply CUDA parameters)."""
    config = ExperimentConfig(method="lt", model="mlp", iterations=2, epochs=1, seed=2, device="cuda")
    straight = run_experiment(config, tmp_path / "straight", progress=False)
    with pytest.raises(Killed):
        run_experiment(config, tmp_path / "killed", progress=False, on_epoch=lambda t, e: _kill_at(t, 1))
    assert run_experiment(config, tmp_path / "killed", resume=True, progress=False) == straight


def test_a_resume_of_a_run_never_started_starts_it(tmp_path):
    """--resume on an empty (or missing) folder is a first run, not an error: a batch of runs
    restarted with --resume includes the ones that never began."""
    config = _config("lt", "layer")
    assert run_experiment(config, tmp_path / "new", resume=True, progress=False) == \
        run_experiment(config, tmp_path / "straight", progress=False)


def test_a_finished_run_resumes_to_itself(tmp_path):
    config = _config("oneshot", "layer")
    done = run_experiment(config, tmp_path, progress=False)
    calls = []
    assert run_experiment(config, tmp_path, resume=True, progress=False, on_epoch=lambda t, e: calls.append(t)) == done
    assert calls == []


@pytest.mark.parametrize("iterations", [[0, 0], [0, 2], [1]])
def test_results_with_inconsistent_iteration_numbers_are_refused(tmp_path, iterations):
    """A results file whose lines are not iterations 0, 1, 2, ... (a line lost or repeated by
    hand) cannot be resumed: resuming would silently pair lines with the wrong checkpoints."""
    config = _config("lt", "global")
    with pytest.raises(Killed):
        run_experiment(config, tmp_path, progress=False, on_epoch=lambda t, e: _kill_at(t, 2))
    line = json.loads((tmp_path / "results.jsonl").read_text().splitlines()[0])
    (tmp_path / "results.jsonl").write_text("".join(json.dumps({**line, "iteration": i}) + "\n" for i in iterations))
    with pytest.raises(ValueError, match=r"results.jsonl: line \d+ is iteration \d+, expected \d+"):
        run_experiment(config, tmp_path, resume=True, progress=False)


def _kill_at(t: int, at: int) -> None:
    if t == at:
        raise Killed
