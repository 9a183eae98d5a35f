r"""Hessian spectra of a training loss with respect to chosen weights (torch, any device).

The loss is the mean over the N samples used (the whole training set, or a fixed subset),

    L(w) = (1/N) sum_{i=1}^{N} loss(model(x_i; w), y_i),

where w is the chosen parameters (the prunable weights of contract §11) flattened in C order and
concatenated in the order given, D entries; every other parameter and buffer is held at its
current value.  The model is evaluated in eval mode (BatchNorm with its running statistics, no
dropout), so L is a deterministic function of w.  An l1 term lambda ||w||_1 adds nothing to the
Hessian wherever no weight is exactly 0 (it is not twice differentiable at 0), so it is left out.

* ``LossHessian``  H v by double back-propagation, summed over fixed batches
  (H v = sum_b grad_w[(grad_w L_b) . v] with L_b the batch's share sum_{i in b} loss_i / N, so the
  result does not depend on the batch size beyond rounding); L and its gradient; the dense D x D
  Hessian (``matrix``: H times blocks of identity columns, symmetrised) for small D.
* ``eigenvalues``  all eigenvalues of a dense symmetric matrix (float64, ascending).
* ``hutchinson_trace``  tr(H) ~ (1/V) sum_v z_v^T H z_v with Rademacher probes z_v.
* ``lanczos``  m steps with full re-orthogonalisation; ``gauss_quadrature`` turns the tridiagonal
  T_m into the m-node Gauss rule of the start vector's spectral measure
  mu_q = sum_i (u_i^T q)^2 delta_{lambda_i}: nodes = eigenvalues theta_j of T_m, weights =
  squared first components of its eigenvectors.  The rule integrates every polynomial of
  degree <= 2m - 1 exactly against mu_q.
* ``quadrature_rules`` / ``slq_spectrum`` / ``stochastic_lanczos_quadrature``  stochastic
  Lanczos quadrature (SLQ): the rules of V normalised Rademacher probes averaged into a
  ``gpu_impl.Spectrum``, for which sum_i f(lambda_i) ~ D sum_j weights_j f(nodes_j).  Since
  ||z||^2 = D for a Rademacher z, D sum_j tau_j theta_j = z^T H z exactly in exact arithmetic:
  the SLQ trace is Hutchinson's estimate with the same probes.  The zero fraction of the result
  is 0: the Gauss nodes near 0 carry the flat directions (an isolated mass at 0 gets a node
  next to 0 with that weight), which is what the authors' separate zero-mass estimate corrected
  for after smoothing the rule into a density.
* ``spectral_density``  the rule smoothed by a Gaussian kernel, for plotting only (the limit is
  computed from the rule itself); ``negative_mass`` the share of the spectrum below a threshold.

The two policies for negative eigenvalues (``abs``: the paper's countermeasure |lambda|;
``zero``: lambda < 0 counts as flat) are applied where the curvatures are used, by
``gpu_impl.pruning_limit(..., negative=...)``; the spectra here keep their signs.

Determinism: the batches are the samples in their given order (a subset is drawn by a CPU
generator seeded with ``seed``), probe v of a seed is drawn from its own generator
(``rademacher_probe``), so every result is reproducible for a given device, dtype and thread
count, and a resumed SLQ run draws the same probes.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator, Optional

import numpy as np
import torch
from torch.func import functional_call
from torch.nn import functional as F

from .limit import Spectrum

#: Most (grid point, node) pairs ``spectral_density`` forms at once.
_DENSITY_ENTRIES = 2**22


@contextmanager
def _eval_mode(model: torch.nn.Module):
    was_training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)


def _summed_cross_entropy(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(outputs, targets, reduction="sum")


class LossHessian:
    r"""The Hessian H = d^2 L / dw^2 at the model's current parameters (module docstring).

    ``names``: the parameters w stands for (their order fixes the order of w's entries).
    ``x``, ``y``: the training samples; ``samples`` (optional) uses a fixed subset of that many,
    drawn with ``seed``; ``batch_size`` samples per forward pass.  ``loss_fn(outputs, targets)``
    returns the *sum* of the per-sample losses (default: cross-entropy, summed).  ``dtype``
    (default: that of the first named parameter) is the dtype of every computation: parameters,
    buffers and inputs are cast to it, the model itself is not changed.  Vectors are 1-D tensors
    of D entries on the parameters' device.
    """

    def __init__(self, model: torch.nn.Module, names, x: torch.Tensor, y: torch.Tensor, *,
                 loss_fn: Callable = _summed_cross_entropy, batch_size: int = 1024,
                 samples: Optional[int] = None, seed: int = 0, dtype: Optional[torch.dtype] = None):
        params = dict(model.named_parameters())
        names = list(names)
        unknown = [n for n in names if n not in params]
        if not names or unknown:
            raise ValueError(f"names must name parameters of the model, got {unknown or names!r}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got batch_size={batch_size!r}")
        total = x.shape[0]
        if x.shape[0] != y.shape[0] or total == 0:
            raise ValueError(f"x and y must hold the same positive number of samples, got "
                             f"{x.shape[0]} and {y.shape[0]}")
        if samples is not None:
            if not 1 <= samples <= total:
                raise ValueError(f"samples must lie in [1, {total}], got samples={samples!r}")
            order = torch.randperm(total, generator=torch.Generator().manual_seed(seed))
            chosen = torch.sort(order[:samples]).values.to(x.device)
            x, y = x[chosen], y[chosen]
        first = params[names[0]]
        self.dtype = dtype or first.dtype
        self.device = first.device
        self._model = model
        self._loss_fn = loss_fn
        self._names = names
        self._shapes = [params[n].shape for n in names]
        self._sizes = [params[n].numel() for n in names]
        state = dict(params)
        state.update(model.named_buffers())
        self._fixed = {n: self._cast(t) for n, t in state.items() if n not in names}
        #: w at which H is taken (flattened, concatenated, in ``dtype``).
        self.point = torch.cat([self._cast(params[n]).reshape(-1) for n in names])
        #: D, the number of entries of w.
        self.size = self.point.numel()
        #: N, the number of samples L averages over.
        self.samples = x.shape[0]
        inputs = x.to(self.device, self.dtype if x.is_floating_point() else x.dtype)
        targets = y.to(self.device)
        self._batches = [(inputs[i:i + batch_size], targets[i:i + batch_size])
                         for i in range(0, self.samples, batch_size)]

    def _cast(self, t: torch.Tensor) -> torch.Tensor:
        t = t.detach()
        return t.to(self.device, self.dtype) if t.is_floating_point() else t.to(self.device)

    def _batch_loss(self, w: torch.Tensor, inputs, targets) -> torch.Tensor:
        """The batch's share of L: sum over the batch of loss_i / N, at w."""
        state = dict(self._fixed)
        for name, piece, shape in zip(self._names, torch.split(w, self._sizes), self._shapes):
            state[name] = piece.view(shape)
        return self._loss_fn(functional_call(self._model, state, (inputs,)), targets) / self.samples

    def _vector(self, v: torch.Tensor, name: str) -> torch.Tensor:
        if v.shape != (self.size,):
            raise ValueError(f"{name} must have shape ({self.size},), got {tuple(v.shape)}")
        return v.to(self.device, self.dtype)

    def loss(self, w: Optional[torch.Tensor] = None) -> torch.Tensor:
        """L(w) (default w = ``point``), a 0-d tensor, differentiable in w."""
        w = self.point if w is None else self._vector(w, "w")
        with _eval_mode(self._model):
            return sum(self._batch_loss(w, xb, yb) for xb, yb in self._batches)

    def gradient(self, w: Optional[torch.Tensor] = None) -> torch.Tensor:
        """grad L(w) (default w = ``point``; one backward pass per batch)."""
        start = self.point if w is None else self._vector(w, "w")
        total = torch.zeros_like(self.point)
        with _eval_mode(self._model):
            for xb, yb in self._batches:
                leaf = start.detach().requires_grad_()
                total += torch.autograd.grad(self._batch_loss(leaf, xb, yb), leaf)[0]
        return total

    def hvp(self, v: torch.Tensor) -> torch.Tensor:
        """H v at ``point`` (double back-propagation, summed over the batches)."""
        v = self._vector(v, "v")
        total = torch.zeros_like(self.point)
        with _eval_mode(self._model):
            for xb, yb in self._batches:
                w = self.point.detach().requires_grad_()
                g = torch.autograd.grad(self._batch_loss(w, xb, yb), w, create_graph=True)[0]
                total += torch.autograd.grad(g, w, grad_outputs=v)[0]
        return total

    @property
    def batches(self) -> int:
        """The number of batches L is summed over."""
        return len(self._batches)

    def matrix(self, *, columns: int = 256, on_block: Optional[Callable[[], None]] = None
               ) -> torch.Tensor:
        """The D x D Hessian, (M + M^T)/2 with M = H [e_1 ... e_D] formed ``columns`` identity
        columns at a time (batched double back-propagation, one graph per batch);
        ``on_block()`` is called after each of the ceil(D / columns) x ``batches`` blocks.
        Memory: D^2 entries of ``dtype``."""
        if columns < 1:
            raise ValueError(f"columns must be >= 1, got columns={columns!r}")
        d = self.size
        out = torch.zeros(d, d, dtype=self.dtype, device=self.device)
        with _eval_mode(self._model):
            for xb, yb in self._batches:
                w = self.point.detach().requires_grad_()
                g = torch.autograd.grad(self._batch_loss(w, xb, yb), w, create_graph=True)[0]
                for start in range(0, d, columns):
                    stop = min(start + columns, d)
                    basis = torch.zeros(stop - start, d, dtype=self.dtype, device=self.device)
                    basis[:, start:stop] = torch.eye(stop - start, dtype=self.dtype, device=self.device)
                    out[start:stop] += torch.autograd.grad(g, w, grad_outputs=basis, retain_graph=True,
                                                           is_grads_batched=True)[0]
                    if on_block is not None:
                        on_block()
        return (out + out.T) / 2


def eigenvalues(matrix: torch.Tensor) -> torch.Tensor:
    """All eigenvalues of the symmetric ``matrix`` (its lower triangle is read), ascending,
    computed in float64."""
    if matrix.dim() != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"matrix must be square, got shape {tuple(matrix.shape)}")
    return torch.linalg.eigvalsh(matrix.to(torch.float64))


def rademacher_probe(d: int, seed: int, index: int, *, dtype=torch.float64, device="cpu") -> torch.Tensor:
    """Probe ``index`` of ``seed``: D independent signs +-1, drawn on the CPU from a generator
    seeded with (seed, index), so it is the same on every device and after a resume."""
    state = np.random.SeedSequence([seed, index]).generate_state(2, dtype=np.uint32)
    generator = torch.Generator().manual_seed(int(state[0]) << 32 | int(state[1]))
    signs = torch.randint(0, 2, (d,), generator=generator).to(dtype) * 2 - 1
    return signs.to(device)


@dataclass(frozen=True)
class TraceEstimate:
    """Hutchinson's estimate of tr(H): ``value`` (the mean of z^T H z over the ``probes``) and
    its ``standard_error`` (sample standard deviation / sqrt(probes); nan for one probe)."""

    value: float
    standard_error: float
    probes: int


def hutchinson_trace(matvec: Callable, d: int, *, probes: int, seed: int = 0,
                     dtype=torch.float64, device="cpu") -> TraceEstimate:
    r"""tr(H) ~ (1/V) sum_{v<V} z_v^T H z_v, z_v = ``rademacher_probe(d, seed, v)``; unbiased,
    with variance 2 (||H||_F^2 - sum_i H_ii^2) / V.  ``matvec(v)`` returns H v."""
    if probes < 1:
        raise ValueError(f"probes must be >= 1, got probes={probes!r}")
    samples = []
    for index in range(probes):
        z = rademacher_probe(d, seed, index, dtype=dtype, device=device)
        samples.append(float(torch.dot(z, matvec(z))))
    values = np.array(samples)
    error = float(values.std(ddof=1) / math.sqrt(probes)) if probes > 1 else math.nan
    return TraceEstimate(float(values.mean()), error, probes)


def lanczos(matvec: Callable, start: torch.Tensor, steps: int) -> tuple[torch.Tensor, torch.Tensor]:
    r"""The Lanczos tridiagonal T of H for ``start``: (alpha, beta), float64 on the CPU,
    alpha the m' diagonal and beta the m' - 1 off-diagonal entries, m' <= ``steps``.

    q_1 = start / ||start||; each step orthogonalises H q_j against all earlier q (twice:
    full re-orthogonalisation, so the q stay orthonormal to rounding and no spurious copies of
    converged Ritz values appear).  The iteration stops early (m' < steps) when
    beta_j <= 8 sqrt(D) u max_i (|alpha_i| + beta_i + beta_{i-1}) (u: the dtype's unit
    roundoff): q_1 then lies in an invariant subspace and the m'-node rule is already exact.
    Memory: ``steps`` vectors of D entries (the basis).
    """
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got steps={steps!r}")
    if start.dim() != 1:
        raise ValueError(f"start must be a vector, got shape {tuple(start.shape)}")
    d = start.numel()
    norm = torch.linalg.vector_norm(start)
    if not bool(norm > 0) or not bool(torch.isfinite(norm)):
        raise ValueError("start must be a finite non-zero vector")
    tolerance = 8 * math.sqrt(d) * torch.finfo(start.dtype).eps / 2
    basis = torch.empty(min(steps, d), d, dtype=start.dtype, device=start.device)
    q = start / norm
    alphas, betas = [], []
    scale = 0.0
    for j in range(basis.shape[0]):
        basis[j] = q
        w = matvec(q)
        alpha = float(torch.dot(q, w))
        w = w - alpha * q
        if j:
            w = w - betas[-1] * basis[j - 1]
        for _ in range(2):
            w = w - basis[: j + 1].T @ (basis[: j + 1] @ w)
        alphas.append(alpha)
        if j == basis.shape[0] - 1:
            break
        beta = float(torch.linalg.vector_norm(w))
        scale = max(scale, abs(alpha) + beta + (betas[-1] if betas else 0.0))
        if beta <= tolerance * scale:
            break
        betas.append(beta)
        q = w / beta
    return torch.tensor(alphas, dtype=torch.float64), torch.tensor(betas, dtype=torch.float64)


def gauss_quadrature(alpha: torch.Tensor, beta: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    r"""The Gauss rule of the tridiagonal T (diagonal ``alpha``, off-diagonal ``beta``): nodes =
    the eigenvalues theta_j of T (ascending), weights tau_j = (first component of the j-th unit
    eigenvector)^2, summing to 1.  For T from ``lanczos(H, q, m)``: sum_j tau_j p(theta_j) =
    q^T p(H) q / ||q||^2 for every polynomial p of degree <= 2m - 1."""
    m = alpha.numel()
    if beta.numel() != m - 1:
        raise ValueError(f"beta must have {m - 1} entries for {m} diagonal entries, got {beta.numel()}")
    t = torch.diag(alpha.to(torch.float64))
    if m > 1:
        off = beta.to(torch.float64)
        t = t + torch.diag(off, 1) + torch.diag(off, -1)
    nodes, vectors = torch.linalg.eigh(t)
    return nodes, vectors[0] ** 2


def quadrature_rules(matvec: Callable, d: int, *, steps: int, probes: int, seed: int = 0,
                     first: int = 0, dtype=torch.float64, device="cpu"
                     ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """The Gauss rules (nodes, weights) of probes ``first`` .. ``probes`` - 1: ``steps`` Lanczos
    steps from ``rademacher_probe(d, seed, v)`` each (pass ``first`` to resume)."""
    if probes < 1:
        raise ValueError(f"probes must be >= 1, got probes={probes!r}")
    for index in range(first, probes):
        start = rademacher_probe(d, seed, index, dtype=dtype, device=device)
        yield gauss_quadrature(*lanczos(matvec, start, steps))


def slq_spectrum(rules) -> Spectrum:
    """The ``Spectrum`` averaging the V rules (nodes, weights): all nodes, each weight / V."""
    rules = list(rules)
    if not rules:
        raise ValueError("slq_spectrum needs at least one quadrature rule")
    nodes = torch.cat([n.to(torch.float64).cpu() for n, _ in rules])
    weights = torch.cat([w.to(torch.float64).cpu() for _, w in rules]) / len(rules)
    return Spectrum(nodes, weights)


def stochastic_lanczos_quadrature(matvec: Callable, d: int, *, steps: int = 100, probes: int = 10,
                                  seed: int = 0, dtype=torch.float64, device="cpu") -> Spectrum:
    """SLQ: ``slq_spectrum`` of the ``quadrature_rules`` of ``probes`` probes, ``steps`` each."""
    return slq_spectrum(quadrature_rules(matvec, d, steps=steps, probes=probes, seed=seed,
                                         dtype=dtype, device=device))


def _rule(spectrum) -> tuple[torch.Tensor, torch.Tensor, float]:
    """(nodes, weights, zero_fraction) of a ``Spectrum`` or of a vector of eigenvalues."""
    if isinstance(spectrum, Spectrum):
        return spectrum.nodes.cpu(), spectrum.weights.cpu(), spectrum.zero_fraction
    values = torch.as_tensor(spectrum, dtype=torch.float64).reshape(-1).cpu()
    return values, torch.full_like(values, 1 / values.numel()), 0.0


def spectrum_trace(spectrum, d: int) -> float:
    """tr(H) of a ``Spectrum`` standing for D eigenvalues, D (1 - z) sum_j w_j theta_j, or of a
    vector of eigenvalues (their sum; ``d`` must be its length)."""
    nodes, weights, zero = _rule(spectrum)
    if not isinstance(spectrum, Spectrum) and nodes.numel() != d:
        raise ValueError(f"d must be the number of eigenvalues ({nodes.numel()}), got d={d!r}")
    return float(d * (1 - zero) * torch.dot(weights, nodes))


def negative_mass(spectrum, below: float = 0.0) -> float:
    """The share of the spectrum (a ``Spectrum`` or a vector of eigenvalues) at eigenvalues
    < -``below``.  A rule's node for the near-flat bulk lands on either side of 0 by rounding,
    so pass a small ``below`` (e.g. 1e-3 max |lambda|) to count clearly negative curvature."""
    nodes, weights, zero = _rule(spectrum)
    return float((1 - zero) * weights[nodes < -below].sum())


def spectral_density(spectrum, grid: torch.Tensor, sigma: float) -> torch.Tensor:
    r"""The spectrum smoothed by a Gaussian kernel of width ``sigma`` on ``grid`` (float64):
    (1 - z) sum_j w_j phi_sigma(t - theta_j) + z phi_sigma(t), integrating to 1 over the line.
    ``spectrum``: a ``Spectrum`` or a vector of eigenvalues (weights 1/D).  For plots only."""
    if not sigma > 0:
        raise ValueError(f"sigma must be > 0, got sigma={sigma!r}")
    nodes, weights, zero = _rule(spectrum)
    t = torch.as_tensor(grid, dtype=torch.float64).reshape(-1).cpu()

    def kernel(points, centres):
        return torch.exp(-0.5 * ((points[:, None] - centres[None, :]) / sigma) ** 2) / (
            sigma * math.sqrt(2 * math.pi))

    rows = max(1, _DENSITY_ENTRIES // max(nodes.numel(), 1))
    density = torch.cat([(kernel(t[i:i + rows], nodes) * weights).sum(dim=1)
                         for i in range(0, t.numel(), rows)])
    return (1 - zero) * density + zero * kernel(t, torch.zeros(1, dtype=torch.float64))[:, 0]
