"""sparsity_oracle.gpu_impl.hessian against independent answers, on models small enough for the
exact Hessian: the digits linear model (D = 640, closed-form Hessian of softmax cross-entropy)
and a tanh MLP 64 -> 12 -> 10 (D = 888, torch.autograd.functional on a hand-written forward),
trained and differentiated on the first ``N`` training samples.

Budgets come from the float64 unit roundoff u (``U``); the statistical checks use the exact
variance of the estimator at 4 standard deviations (the probes are seeded, so a check either
always passes or always fails on a machine)."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from sparsity_oracle.gpu_impl import hessian, pruning_limit  # noqa: E402
from sparsity_oracle.gpu_impl.experiments.data import load_dataset  # noqa: E402

U = torch.finfo(torch.float64).eps / 2


pytestmark = pytest.mark.usefixtures("one_thread")


def _train(model, data, steps=150, lr=0.5):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    for _ in range(steps):
        loss = F.cross_entropy(model(data.x_train), data.y_train)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.double()


#: Training samples the tests use (the first of the digits split; fewer is faster, same maths).
N = 400


@pytest.fixture(scope="module")
def data():
    digits = load_dataset("digits")
    digits.x_train, digits.y_train = digits.x_train[:N].double(), digits.y_train[:N]
    return digits


class Case:
    """A model, its ``LossHessian`` op, the dense Hessian h and its eigenpairs (ascending)."""

    def __init__(self, model, op, h):
        self.model, self.op, self.h = model, op, h
        self.values, self.vectors = torch.linalg.eigh(h)


@pytest.fixture(scope="module")
def linear(data):
    torch.manual_seed(0)
    model = _train(nn.Sequential(nn.Flatten(), nn.Linear(64, 10)).float(), _float(data))
    op = hessian.LossHessian(model, ["1.weight"], data.x_train, data.y_train)
    return Case(model, op, op.matrix())


@pytest.fixture(scope="module")
def mlp(data):
    torch.manual_seed(1)
    model = _train(nn.Sequential(nn.Flatten(), nn.Linear(64, 12), nn.Tanh(), nn.Linear(12, 10)), _float(data))
    op = hessian.LossHessian(model, ["1.weight", "3.weight"], data.x_train, data.y_train)
    return Case(model, op, op.matrix())


def _float(data):
    return type(data)(data.x_train.float(), data.y_train, data.x_test, data.y_test, data.classes)


def _closed_form_linear_hessian(model, x, y):
    """(1/N) sum_i kron(diag p_i - p_i p_i^T, x_i x_i^T): the Hessian of mean softmax
    cross-entropy w.r.t. W (10 x 64, C order)."""
    x = x.reshape(x.shape[0], -1)
    p = torch.softmax(model(x), dim=1).detach()
    a = torch.diag_embed(p) - p[:, :, None] * p[:, None, :]
    h = torch.einsum("iab,ij,ik->ajbk", a, x, x) / x.shape[0]
    return h.reshape(640, 640)


def _mlp_loss(x, y):
    """The tiny MLP's loss as a function of its flat weights, written without the model."""
    x = x.reshape(x.shape[0], -1)

    def loss(w, b1, b2):
        w1, w2 = w[: 12 * 64].view(12, 64), w[12 * 64 :].view(10, 12)
        return F.cross_entropy(torch.tanh(x @ w1.T + b1) @ w2.T + b2, y)

    return loss


def test_linear_hvp_and_matrix_match_the_closed_form(data, linear):
    model, op, h = linear.model, linear.op, linear.h
    expected = _closed_form_linear_hessian(model, data.x_train, data.y_train)
    scale = float(expected.abs().max())
    assert op.size == 640 and op.samples == N
    assert float((h - expected).abs().max()) <= 64 * U * scale * math.sqrt(op.samples)
    v = torch.randn(640, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    hv = expected @ v
    assert float((op.hvp(v) - hv).abs().max()) <= 64 * U * float(hv.abs().max()) * math.sqrt(op.samples)
    assert torch.equal(h, h.T)


def test_mlp_hvp_and_matrix_match_torch_autograd_functional(data, mlp):
    model, op, h = mlp.model, mlp.op, mlp.h
    params = dict(model.named_parameters())
    loss = _mlp_loss(data.x_train, data.y_train)
    b1, b2 = params["1.bias"].detach(), params["3.bias"].detach()
    w = op.point.clone()
    assert torch.equal(w, torch.cat([params["1.weight"].detach().reshape(-1), params["3.weight"].detach().reshape(-1)]))
    expected = torch.autograd.functional.hessian(lambda u: loss(u, b1, b2), w, vectorize=True)
    budget = 256 * U * float(expected.abs().max())
    assert float((h - expected).abs().max()) <= budget
    v = torch.randn(op.size, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    _, hv = torch.autograd.functional.hvp(lambda u: loss(u, b1, b2), w, v)
    assert float((op.hvp(v) - hv).abs().max()) <= 256 * U * float(hv.abs().max())
    assert abs(float(op.loss()) - float(loss(w, b1, b2))) <= 64 * U
    grad = torch.autograd.grad(loss(w.requires_grad_(), b1, b2), w)[0]
    assert float((op.gradient() - grad).abs().max()) <= 64 * U * float(grad.abs().max())


def test_batches_subsets_and_model_state(data, mlp):
    model, op = mlp.model, mlp.op
    v = torch.randn(op.size, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    names = ["1.weight", "3.weight"]
    small = hessian.LossHessian(model, names, data.x_train, data.y_train, batch_size=30)
    assert small.batches == 14 and op.batches == 1
    hv = op.hvp(v)
    assert float((small.hvp(v) - hv).abs().max()) <= 256 * U * float(hv.abs().max())
    everything = hessian.LossHessian(model, names, data.x_train, data.y_train, samples=N, seed=5)
    assert torch.equal(everything.hvp(v), hv)  # all samples, in their order: the same batches
    a = hessian.LossHessian(model, names, data.x_train, data.y_train, samples=100, seed=5)
    b = hessian.LossHessian(model, names, data.x_train, data.y_train, samples=100, seed=5)
    c = hessian.LossHessian(model, names, data.x_train, data.y_train, samples=100, seed=6)
    assert a.samples == 100 and torch.equal(a.hvp(v), b.hvp(v)) and not torch.equal(a.hvp(v), c.hvp(v))
    single = hessian.LossHessian(model, names, data.x_train, data.y_train, dtype=torch.float32)
    assert single.hvp(v).dtype == torch.float32 and model[1].weight.dtype == torch.float64
    model.train()
    op.hvp(v)
    assert model.training  # evaluated in eval mode, the caller's mode restored
    model.eval()


def test_batchnorm_model_in_eval_mode_against_finite_differences():
    torch.manual_seed(3)
    model = nn.Sequential(nn.Conv2d(1, 3, 3), nn.BatchNorm2d(3), nn.Tanh(), nn.Flatten(), nn.Linear(3 * 36, 4)).double()
    model.train()
    x = torch.rand(40, 1, 8, 8, dtype=torch.float64)
    y = torch.randint(0, 4, (40,))
    model(x)  # running statistics differ from the batch's, so eval mode matters
    op = hessian.LossHessian(model, ["0.weight", "4.weight"], x, y)
    v = torch.randn(op.size, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    h = 1e-4
    finite = (op.gradient(op.point + h * v) - op.gradient(op.point - h * v)) / (2 * h)
    hv = op.hvp(v)
    assert float((hv - finite).abs().max()) <= 1e-6 * float(hv.abs().max())
    assert model.training  # evaluated in eval mode, the caller's mode restored
    expected = torch.autograd.functional.hvp(op.loss, op.point, v)[1]
    assert float((hv - expected).abs().max()) <= 64 * U * float(hv.abs().max())


def _chebyshev(x, degree):
    """T_0(x) .. T_degree(x) (rows), by the three-term recurrence."""
    rows = [torch.ones_like(x), x]
    for _ in range(2, degree + 1):
        rows.append(2 * x * rows[-1] - rows[-2])
    return torch.stack(rows[: degree + 1])


def _moment_errors(case, nodes, weights, start, degree):
    """|sum_j w_j T_p(s(theta_j)) - q^T T_p(s(H)) q| for p = 0..degree, s mapping H's spectrum
    into [-1, 1] (Chebyshev polynomials: well conditioned, no degree dominated by one eigenvalue)."""
    values, vectors = case.values, case.vectors
    low, high = float(values[0]), float(values[-1])
    centre, radius = (high + low) / 2, (high - low) / 2 * 1.01
    q = start / start.norm()
    exact = _chebyshev((values - centre) / radius, degree) @ (vectors.T @ q) ** 2
    rule = _chebyshev((nodes - centre) / radius, degree) @ weights
    return (exact - rule).abs()


def _gauss_budget(p, d):
    """Rounding budget for the degree-p Chebyshev moment: a perturbation of the nodes by
    sqrt(D) u (relative to the spectral radius) moves T_p by at most p^2 times that (Markov)."""
    return 8 * (p * p + 1) * math.sqrt(d) * U


@pytest.mark.parametrize("which", ["linear", "mlp"])
@pytest.mark.parametrize("steps", [4, 8])
def test_lanczos_quadrature_is_gauss_exact_to_degree_2m_minus_1(which, steps, request):
    case = request.getfixturevalue(which)
    op = case.op
    start = hessian.rademacher_probe(op.size, 0, 7)
    alpha, beta = hessian.lanczos(op.hvp, start, steps)
    assert alpha.numel() == steps and beta.numel() == steps - 1
    nodes, weights = hessian.gauss_quadrature(alpha, beta)
    assert abs(float(weights.sum()) - 1) <= 8 * steps * U
    errors = _moment_errors(case, nodes, weights, start, 2 * steps)
    for p in range(2 * steps):
        assert errors[p] <= _gauss_budget(p, op.size), (p, float(errors[p]))
    # sharp: degree 2m is not integrated exactly, by far more than the budget
    assert errors[2 * steps] > 1e4 * _gauss_budget(2 * steps, op.size)
    # and the check rejects a rule with the right nodes but the wrong weights
    wrong = _moment_errors(case, nodes, torch.full_like(weights, 1 / steps), start, 2 * steps)
    assert max(float(wrong[p]) / _gauss_budget(p, op.size) for p in range(2 * steps)) > 1e4


def test_lanczos_stops_at_an_invariant_subspace():
    values = torch.tensor([1.0, 1.0, 2.0, 5.0, 5.0, 5.0], dtype=torch.float64)
    alpha, beta = hessian.lanczos(lambda v: values * v, torch.ones(6, dtype=torch.float64), 10)
    assert alpha.numel() == 3  # three distinct eigenvalues: the Krylov space has dimension 3
    nodes, weights = hessian.gauss_quadrature(alpha, beta)
    assert torch.allclose(nodes, torch.tensor([1.0, 2.0, 5.0], dtype=torch.float64), rtol=0, atol=32 * U * 5)
    assert torch.allclose(weights, torch.tensor([2, 1, 3], dtype=torch.float64) / 6, rtol=0, atol=32 * U)


def _hutchinson_sd(a, probes):
    """Standard deviation of the mean of z^T A z over ``probes`` Rademacher z."""
    return math.sqrt(2 * (float((a * a).sum()) - float((torch.diagonal(a) ** 2).sum())) / probes)


@pytest.mark.parametrize("which", ["linear", "mlp"])
def test_hutchinson_trace_within_the_clt_bound(which, request):
    case = request.getfixturevalue(which)
    op, h = case.op, case.h
    estimate = hessian.hutchinson_trace(op.hvp, op.size, probes=20, seed=0)
    exact = float(torch.trace(h))
    sd = _hutchinson_sd(h, 20)
    assert estimate.probes == 20 and estimate.standard_error > 0
    assert abs(estimate.value - exact) <= 4 * sd, (estimate, exact, sd)
    # the SLQ trace is Hutchinson's estimate with the same probes (Gauss exact for degree 1)
    spectrum = hessian.stochastic_lanczos_quadrature(op.hvp, op.size, steps=2, probes=20, seed=0)
    assert abs(hessian.spectrum_trace(spectrum, op.size) - estimate.value) <= 1e-12 * max(abs(exact), 1)
    assert hessian.spectrum_trace(hessian.eigenvalues(h), op.size) == pytest.approx(exact, rel=1e-12)


def _limit_function(values, r2, eps, negative):
    curv = values.abs() if negative == "abs" else values.clamp_min(0)
    return curv * r2 / (curv * r2 + 2 * eps)


SLQ_STEPS, SLQ_PROBES, SLQ_SEED = 50, 6, 4


@pytest.fixture(scope="module")
def slq_rules(linear, mlp):
    """{model: its SLQ_PROBES Gauss rules of SLQ_STEPS steps}."""
    return {name: list(hessian.quadrature_rules(case.op.hvp, case.op.size, steps=SLQ_STEPS, probes=SLQ_PROBES,
                                                seed=SLQ_SEED))
            for name, case in (("linear", linear), ("mlp", mlp))}


@pytest.mark.parametrize("which", ["linear", "mlp"])
@pytest.mark.parametrize("eps", [1e-3, 1e-2])
@pytest.mark.parametrize("negative", ["abs", "zero"])
def test_slq_limit_matches_exact_limit(which, eps, negative, request, slq_rules):
    r"""|k*_SLQ - k*_exact| <= 1 + max_{k in {k*_SLQ, k*_exact}} (|bias_k| + 4 sd_k).

    F(k) = tr f_k(H), f_k(l) = c(l) R_k^2 / (c(l) R_k^2 + 2 eps), c the negative policy.  SLQ's
    F(k) is the mean over the probes z_v of the Gauss rule's value of z_v^T f_k(H) z_v: that is
    Hutchinson's estimate of tr f_k(H) (standard deviation sd_k from its exact variance) plus
    the mean rule error bias_k (measured against z_v^T f_k(H) z_v from the exact
    eigenvectors).  F(k) - k falls by at least 1 per step in k, so where F is known within
    delta, k* is known within delta + 1.  The rule error is not small: f_k jumps from 0 to 1
    within 2 eps / R_k^2 of 0, where the near-zero bulk of the spectrum sits, and m = 60 nodes
    do not resolve it (bias up to ~60 of D = 888 for the tiny MLP's at eps = 1e-3)."""
    case = request.getfixturevalue(which)
    op, values, vectors = case.op, case.values, case.vectors
    rules = slq_rules[which]
    magnitudes = op.point.abs()
    exact = pruning_limit(magnitudes, values, eps, negative=negative)
    estimated = pruning_limit(magnitudes, hessian.slq_spectrum(rules), eps, negative=negative)
    squares = torch.sort(magnitudes**2).values
    probes = [vectors.T @ hessian.rademacher_probe(op.size, SLQ_SEED, v) for v in range(len(rules))]

    def error_bound(k):
        """|bias_k| + 4 sd_k, with A = f_k(H) = V diag(f) V^T: z^T A z = sum_i f_i (V^T z)_i^2,
        ||A||_F^2 = sum_i f_i^2, A_jj = sum_i V_ji^2 f_i."""
        r2 = float(squares[: op.size - k].sum())
        f = _limit_function(values, r2, eps, negative)
        bias = sum(op.size * float(weights @ _limit_function(nodes, r2, eps, negative)) - float(proj**2 @ f)
                   for (nodes, weights), proj in zip(rules, probes)) / len(rules)
        diagonal = vectors**2 @ f
        sd = math.sqrt(2 * (float(f @ f) - float(diagonal @ diagonal)) / len(rules))
        return abs(bias) + 4 * sd

    bound = 1 + max(error_bound(exact.kept), error_bound(estimated.kept))
    assert abs(estimated.kept - exact.kept) <= bound, (estimated.kept, exact.kept, bound)


def test_spectral_density_and_negative_mass():
    values = torch.tensor([-1.0, 0.0, 2.0, 2.0], dtype=torch.float64)
    grid = torch.linspace(-5, 7, 4801, dtype=torch.float64)
    density = hessian.spectral_density(values, grid, sigma=0.1)
    assert float(density.sum() * (grid[1] - grid[0])) == pytest.approx(1.0, abs=1e-9)
    assert float(density[grid.sub(2).abs().argmin()]) == pytest.approx(0.5 / (0.1 * math.sqrt(2 * math.pi)), rel=1e-6)
    assert hessian.negative_mass(values) == 0.25 and hessian.negative_mass(values, below=1.0) == 0.0
    rule = hessian.slq_spectrum([(values, torch.full((4,), 0.25, dtype=torch.float64))] * 2)
    assert rule.nodes.numel() == 8 and hessian.negative_mass(rule) == pytest.approx(0.25)
    assert hessian.spectrum_trace(rule, 10) == pytest.approx(7.5)


def test_errors(data, linear):
    model, op = linear.model, linear.op
    with pytest.raises(ValueError, match="names must name parameters"):
        hessian.LossHessian(model, ["nope"], data.x_train, data.y_train)
    with pytest.raises(ValueError, match="samples must lie in"):
        hessian.LossHessian(model, ["1.weight"], data.x_train, data.y_train, samples=0)
    with pytest.raises(ValueError, match=r"v must have shape \(640,\)"):
        op.hvp(torch.zeros(3, dtype=torch.float64))
    with pytest.raises(ValueError, match="steps must be >= 1"):
        hessian.lanczos(op.hvp, torch.ones(640, dtype=torch.float64), 0)
    with pytest.raises(ValueError, match="start must be a finite non-zero vector"):
        hessian.lanczos(op.hvp, torch.zeros(640, dtype=torch.float64), 3)
    with pytest.raises(ValueError, match="probes must be >= 1"):
        hessian.hutchinson_trace(op.hvp, 640, probes=0)
    with pytest.raises(ValueError, match="sigma must be > 0"):
        hessian.spectral_density(torch.ones(3), torch.zeros(2), sigma=0)
