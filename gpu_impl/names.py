"""The names gpu_impl accepts, one table each, importable without torch (the command line
offers them as choices before torch is loaded).

* ``SCOPES``    pruning groups of ``sap_masks`` / ``fixed_ratio_masks`` (contract §2);
* ``MODELS``    ``experiments.models.build_model``;
* ``DATASETS``  ``experiments.data.load_dataset``;
* ``NEGATIVE_POLICIES``  what ``pruning_limit(negative=...)`` does with a negative eigenvalue;
* ``SPECTRA``, ``HESSIAN_DTYPES``  the spectrum and dtype choices of the ``limit`` experiment
  (``experiments.limit_run``).
* ``SPODE_INDICES``, ``SPODE_SCHEDULES``  PSO's sparsity index G and step-size schedules
  (``spode``: ``NORMS``, ``SCHEDULES``).

The pruning methods are a registry of their own: ``experiments.methods.METHODS``.
"""

SCOPES = ("global", "layer", "neuron")
MODELS = ("linear", "mlp", "cnn", "resnet18")
DATASETS = ("digits", "fashionmnist", "cifar10", "cifar100")
NEGATIVE_POLICIES = ("abs", "zero")
SPECTRA = ("auto", "exact", "slq")
HESSIAN_DTYPES = ("float64", "float32")
SPODE_INDICES = ("l2", "l1")
SPODE_SCHEDULES = ("exp", "lin")
