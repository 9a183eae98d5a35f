"""The names gpu_impl accepts, one table each, importable without torch (the command line
offers them as choices before torch is loaded).

* ``SCOPES``    pruning groups of ``sap_masks`` / ``fixed_ratio_masks`` (SPEC §2);
* ``MODELS``    ``experiments.models.build_model``;
* ``DATASETS``  ``experiments.data.load_dataset``;
* ``SPODE_INDICES``, ``SPODE_SCHEDULES``  PSO's sparsity index G and step-size schedules
  (``spode``: ``NORMS``, ``SCHEDULES``).

The pruning methods are a registry of their own: ``experiments.methods.METHODS``.
"""

SCOPES = ("global", "layer", "neuron")
MODELS = ("linear", "mlp", "cnn", "resnet18")
DATASETS = ("digits", "fashionmnist", "cifar10", "cifar100")
SPODE_INDICES = ("l2", "l1")
SPODE_SCHEDULES = ("exp", "lin")
