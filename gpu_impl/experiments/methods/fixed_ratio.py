"""The fixed-ratio baselines: in each group prune round(amount d_t) of the smallest-magnitude
unmasked weights (``fixed_ratio_masks``, contract §2), ranked by

* ``LOTTERY_TICKET``  the retrained weights w_t;
* ``ONE_SHOT``        the dense weights w_0 trained at t = 0 (at t = 0 the two coincide).
"""

from __future__ import annotations

from dataclasses import dataclass

from ...pruning import fixed_ratio_masks
from ...validation import in_unit_interval


@dataclass(frozen=True)
class FixedRatio:
    rank_by_dense: bool

    def validate(self, config) -> None:
        in_unit_interval(config.amount, "amount", open_low=False)

    def next_masks(self, context) -> dict:
        ranked = context.dense if self.rank_by_dense else context.weights
        return fixed_ratio_masks(ranked, context.masks, scope=context.config.scope, amount=context.config.amount)


LOTTERY_TICKET = FixedRatio(rank_by_dense=False)
ONE_SHOT = FixedRatio(rank_by_dense=True)
