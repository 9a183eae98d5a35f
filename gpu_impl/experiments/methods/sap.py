"""SAP (Algorithm 1 of Diao et al., ICLR 2023): m_{t+1} = ``sap_masks(w_t, m_t, scope, p, q,
eta_r, gamma, beta)``: in each group prune c_t = floor(d_t min(gamma (1 - r_t/d_t), beta)) of
the smallest-magnitude unmasked weights, r_t the PQI-bound (contract §2)."""

from __future__ import annotations

from ...pruning import sap_masks, sap_parameters


def validate(config) -> None:
    sap_parameters(config.p, config.q, config.eta_r, config.gamma, config.beta)


def next_masks(context) -> dict:
    c = context.config
    return sap_masks(context.weights, context.masks, scope=c.scope, p=c.p, q=c.q,
                     eta_r=c.eta_r, gamma=c.gamma, beta=c.beta)
