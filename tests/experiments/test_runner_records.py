"""What a run records besides its results: config.json, the progress bar, the thread setting,
the saved initialisation; and the logged values of the corner where a whole layer is pruned."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")

from sparsity_oracle.gpu_impl.experiments.data import DIGITS_SPLIT_SEED, load_dataset  # noqa: E402
from sparsity_oracle.gpu_impl.experiments.runner import ExperimentConfig, cpu_copy, run_experiment  # noqa: E402


def _config(**changes) -> ExperimentConfig:
    settings = dict(method="lt", model="mlp", iterations=2, epochs=1, seed=5, scope="layer")
    return ExperimentConfig(**{**settings, **changes})


def test_config_json_records_the_run_indented_for_people_to_read(tmp_path):
    config = _config()
    run_experiment(config, tmp_path / "nested" / "run", progress=False)
    text = (tmp_path / "nested" / "run" / "config.json").read_text()
    recorded = json.loads(text)
    assert text == json.dumps(recorded, indent=2) + "\n"
    data = load_dataset("digits")
    assert recorded["settings"]["method"] == "lt" and recorded["settings"]["seed"] == 5
    assert recorded["settings"]["iterations"] == 2 and recorded["settings"]["threads"] is None
    assert recorded["resolved_device"] == "cpu" and recorded["threads"] == 1
    assert recorded["torch"] == torch.__version__ and recorded["digits_split_seed"] == DIGITS_SPLIT_SEED
    assert recorded["in_shape"] == list(data.in_shape) and recorded["classes"] == data.classes == 10
    assert (recorded["train_size"], recorded["test_size"]) == (data.x_train.shape[0], data.x_test.shape[0])


@pytest.mark.parametrize("threads, used", [(None, 1), (2, 2)])
def test_threads_are_set_for_the_run_and_restored(tmp_path, threads, used):
    before = torch.get_num_threads()
    seen = []
    run_experiment(_config(threads=threads), tmp_path, progress=False, on_epoch=lambda t, e: seen.append(torch.get_num_threads()))
    assert seen == [used, used]
    assert json.loads((tmp_path / "config.json").read_text())["threads"] == used
    assert torch.get_num_threads() == before


def test_progress_bar_on_stderr(tmp_path, capsys):
    run_experiment(_config(method="sap", iterations=1), tmp_path, progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    bar = captured.err
    assert "sap/mlp/digits" in bar and "1/1" in bar
    assert "iteration=0" in bar and "epoch=0" in bar and "accuracy=" in bar and "kept=1.0000" in bar
    run_experiment(_config(method="sap", iterations=1), tmp_path / "quiet", progress=False)
    assert capsys.readouterr().err == ""


def test_a_run_refuses_to_overwrite_and_a_resume_may_add_iterations(tmp_path):
    short = run_experiment(_config(iterations=1), tmp_path / "run", progress=False)
    with pytest.raises(FileExistsError, match=r"already holds a run: pass --resume or choose another --out"):
        run_experiment(_config(iterations=1), tmp_path / "run", progress=False)
    longer = run_experiment(_config(iterations=3), tmp_path / "run", resume=True, progress=False)
    assert longer[:1] == short and len(longer) == 3
    assert longer == run_experiment(_config(iterations=3), tmp_path / "straight", progress=False)


def test_a_resume_with_other_settings_names_them(tmp_path):
    run_experiment(_config(iterations=1), tmp_path, progress=False)
    with pytest.raises(ValueError) as refused:
        run_experiment(_config(iterations=1, seed=6, amount=0.3), tmp_path, resume=True, progress=False)
    assert str(refused.value) == (f"--resume with settings that differ from {tmp_path / 'config.json'}: "
                                  "seed: 5 -> 6, amount: 0.2 -> 0.3")


def test_a_resume_leaves_config_json_alone_but_for_a_changed_iterations(tmp_path):
    run_experiment(_config(iterations=1), tmp_path, progress=False)
    record = json.loads((tmp_path / "config.json").read_text())
    compact = json.dumps(record)
    (tmp_path / "config.json").write_text(compact)
    run_experiment(_config(iterations=1), tmp_path, resume=True, progress=False)
    assert (tmp_path / "config.json").read_text() == compact
    run_experiment(_config(iterations=2), tmp_path, resume=True, progress=False)
    longer = {**record, "settings": {**record["settings"], "iterations": 2}}
    assert (tmp_path / "config.json").read_text() == json.dumps(longer, indent=2) + "\n"


def test_resume_rewinds_to_the_saved_initialisation(tmp_path):
    """Every iteration starts from OUT/init.pt (w_init), also after a resume: a changed init.pt
    changes the resumed iterations, not the finished ones."""
    config = _config(iterations=2)
    straight = run_experiment(config, tmp_path / "straight", progress=False)

    class Killed(Exception):
        pass

    def kill(t, e):
        if t == 1:
            raise Killed

    out = tmp_path / "run"
    with pytest.raises(Killed):
        run_experiment(config, out, progress=False, on_epoch=kill)
    init = torch.load(out / "init.pt")
    assert all(torch.equal(v, torch.load(tmp_path / "straight" / "init.pt")[k]) for k, v in init.items())
    torch.save({k: v * 2 if v.is_floating_point() else v for k, v in init.items()}, out / "init.pt")
    resumed = run_experiment(config, out, resume=True, progress=False)
    assert resumed[0] == straight[0] and resumed[1] != straight[1]


def test_a_fully_pruned_network_logs_undefined_measures_as_null(tmp_path):
    """Lottery ticket with amount 1 prunes everything at t = 0: at t = 1 nothing is left, so
    PQI and Gini (undefined there) are logged as null, and nothing more is pruned."""
    results = run_experiment(_config(amount=1.0, iterations=2), tmp_path, progress=False)
    first, second = results
    assert first["pruned_count"] == first["kept"] == first["total"]
    assert (second["kept"], second["pruned_count"], second["kept_fraction"]) == (0, 0, 0.0)
    assert second["pqi"] is None and second["gini"] is None
    assert all(layer["pqi"] is None and layer["kept"] == 0 for layer in second["layers"].values())
    assert {"model": "mlp", "dataset": "digits", "epochs": 1}.items() <= second.items()


def test_config_errors_name_the_setting_and_the_smallest_batch_is_one():
    with pytest.raises(ValueError, match=r"^model must be one of \(.*\), got model='resnet'$"):
        _config(model="resnet")
    with pytest.raises(ValueError, match=r"^batch_size must be >= 1, got batch_size=0$"):
        _config(batch_size=0)
    assert _config(batch_size=1).batch_size == 1


def test_cpu_copies_do_not_share_memory_with_cpu_tensors():
    weights = {"w": torch.ones(3)}
    copies = cpu_copy(weights)
    weights["w"].add_(1)
    assert copies["w"].tolist() == [1.0, 1.0, 1.0]
