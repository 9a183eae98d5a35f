"""torch implementation of sparsity measures and pruning (SPEC §3); never imports ``reference``."""
