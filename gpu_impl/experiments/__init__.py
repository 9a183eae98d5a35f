"""Pruning experiments in torch (contract §6 ``reproduce``, §8 and §10 outputs): SAP, Lottery ticket
and One-shot (iterative), PSO/SpODE and its one-shot baselines, end to end.

* :mod:`.models`   Linear, MLP, CNN and pre-activation ResNet-18, shaped for the dataset.
* :mod:`.data`     digits (scikit-learn, offline), FashionMNIST (IDX), CIFAR-10/100 (pickles).
* :mod:`.training` masked SGD training and evaluation.
* :mod:`.runner`   the iterative pruning loop (``ExperimentConfig``, ``run_experiment``), its
                   outputs and ``--resume``.
* :mod:`.oneshot_config`, :mod:`.oneshot_runner`  the one-shot protocol (``OneShotConfig``,
                   ``run_oneshot``): dense model, prune to each density, fine-tune.
* :mod:`.methods`  the registry of pruning methods, one module each.
* :mod:`.limit_run` the pruning limit of a trained model, predicted and measured (contract §11).
* :mod:`.cli_reproduce`, :mod:`.cli_plot`, :mod:`.cli_limit`  the ``reproduce``, ``plot`` and
  ``limit`` subcommands.

This package's ``__init__`` imports nothing heavy, so ``sparsity-oracle --help`` stays fast.
"""
