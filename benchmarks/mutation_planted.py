"""Hand-planted mutants (``benchmarks/mutation.py --tool planted``): plausible bugs mutmut does not
make (module-level constants, whole behaviours), among them every survivor issue 19 reported.

Each is one textual replacement in one file; ``original`` must occur exactly once there (a
mutant whose text moved is reported as stale, never silently skipped).  ``tests`` overrides the
group's tests where a narrower selection is enough.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Planted:
    name: str
    file: str
    original: str
    mutated: str
    tests: tuple[str, ...] = ()


PLANTED = (
    # --- the oracle's strictness -------------------------------------------------------------
    Planted("every budget 100x wider", "sparsity_oracle/oracle/tolerances.py", "SAFETY = 4\n", "SAFETY = 400\n"),
    Planted("every budget 4x narrower", "sparsity_oracle/oracle/tolerances.py", "SAFETY = 4\n", "SAFETY = 1\n"),
    Planted("float16/bfloat16 accumulate at their own roundoff", "sparsity_oracle/oracle/tolerances.py",
            "min(_UNIT_ROUNDOFF[dtype], 2.0**-24)", "_UNIT_ROUNDOFF[dtype]"),
    Planted("float16 results rounded like float32", "sparsity_oracle/oracle/tolerances.py",
            '"float16": 2.0**-11', '"float16": 2.0**-24'),
    Planted("summation factor log2 n without the +1", "sparsity_oracle/oracle/tolerances.py",
            "math.ceil(math.log2(max(n, 1))) + 1", "math.ceil(math.log2(max(n, 1)))"),
    Planted("no subnormal slack", "sparsity_oracle/oracle/checks.py",
            "    budget += prec.tiny\n", "    budget += 0.0\n"),
    Planted("pqi_bound budget x100", "sparsity_oracle/oracle/checks.py",
            "return _judge_real(prec, got, ref, rel * ref,", "return _judge_real(prec, got, ref, 100 * rel * ref,"),
    Planted("SAP admitted range starts one count lower", "sparsity_oracle/oracle/counts.py",
            "return range(max(0, rounding(low)),", "return range(max(0, rounding(low) - 1),"),
    Planted("SAP admitted range ends one count higher", "sparsity_oracle/oracle/counts.py",
            "max(0, rounding(high)) + 1)", "max(0, rounding(high)) + 2)"),
    Planted("SAP beta branch without its budget", "sparsity_oracle/oracle/counts.py",
            "min(g * (d - hi) - e_r, cap - e_b)", "min(g * (d - hi) - e_r, cap)"),
    Planted("already-pruned entries may be revived", "sparsity_oracle/oracle/masks.py",
            "elif np.any(new[k] & ~masks[k]):", "elif False:"),
    Planted("pruning_limit kept range one wider each side", "sparsity_oracle/oracle/checks.py",
            "return range(k_lo, k_hi + 1), tails", "return range(k_lo - 1, k_hi + 2), tails"),
    Planted("pruning_limit F(k) budget ignored", "sparsity_oracle/oracle/checks.py",
            "k_hi = first_satisfied(d, lambda k: k >= (1 + rho) * f(k))", "k_hi = first_satisfied(d, lambda k: k >= f(k))"),
    Planted("fixed ratio: exact product no longer admitted", "sparsity_oracle/oracle/counts.py",
            'counts = {rounding(exact_real(amount, "amount") * d), rounding(float(amount) * d)}',
            "counts = {rounding(float(amount) * d)}"),
    Planted("fixed ratio: float32 product admitted for float64 too", "sparsity_oracle/oracle/counts.py",
            "if prec.u > 2.0**-53:", "if True:"),
    # --- resume ----------------------------------------------------------------------------
    Planted("resume restarts from iteration 0", "gpu_impl/experiments/runner.py",
            "results = _read_results(results_path)", "results = []"),
    Planted("One-shot resume ranks by w_t (w_0 lost)", "gpu_impl/experiments/runner.py",
            "dense = {n: first[\"state_dict\"][n] for n in names}", "dense = None"),
    Planted("resume takes m_t instead of m_{t+1}", "gpu_impl/experiments/runner.py",
            'masks = last["next_masks"]', 'masks = last["masks"]'),
    Planted("iteration numbers not checked on resume", "gpu_impl/experiments/runner.py",
            "if line[\"iteration\"] != i:", "if False:"),
    Planted("resume ignores changed settings", "gpu_impl/experiments/runner.py",
            "if resume and (out / \"config.json\").exists():", "if False:"),
    # --- proofs ------------------------------------------------------------------------------
    Planted("refutation accepted when sympy cannot decide", "proofs/core.py",
            "if decided is not False:", "if decided is True:"),
    Planted("an open lemma counts as proved", "proofs/core.py",
            "if outcome.status != PROVED:", "if outcome.status == REFUTED:"),
    Planted("Taylor positivity skips the order-0 term", "proofs/core.py",
            "for k in range(order):", "for k in range(1, order):"),
    Planted("Taylor positivity takes >= 0 for > 0", "proofs/core.py",
            'wanted = "positive" if strict else "nonnegative"', 'wanted = "nonnegative"'),
    Planted("a sign undecided by sympy counts as shown", "proofs/core.py",
            'if not any(getattr(form(expr), f"is_{expected}") is True for form in forms):',
            'if any(getattr(form(expr), f"is_{expected}") is False for form in forms):'),
    # --- properties --------------------------------------------------------------------------
    Planted("Robin Hood from the poorer to the richer", "properties/predicates.py",
            "if f[i] < f[j]:", "if f[i] > f[j]:"),
    Planted("Robin Hood moves the whole gap", "properties/predicates.py",
            "alpha = t * (f[i] - f[j]) / 2", "alpha = t * (f[i] - f[j])"),
    Planted("decision margin 1000x narrower", "properties/predicates.py",
            "margin = Fraction(1, 10 ** (dps - 1))", "margin = Fraction(1, 10 ** (dps + 2))"),
    Planted("decision margin 1000x wider", "properties/predicates.py",
            "margin = Fraction(1, 10 ** (dps - 1))", "margin = Fraction(1, 10 ** (dps - 4))"),
    Planted("float margin 1000x narrower", "properties/predicates.py",
            "rtol: float = 1e-9, atol: float = 1e-12):\n        self.measure", "rtol: float = 1e-12, atol: float = 1e-15):\n        self.measure"),
    Planted("rising tide lowers the entries", "properties/predicates.py",
            "exact_vector(v + alpha for v in f)", "exact_vector(v - alpha for v in f)"),
    Planted("Bill Gates grows another entry", "properties/predicates.py",
            "high[i] += alpha", "high[(i + 1) % len(high)] += alpha"),
    # --- reference corners --------------------------------------------------------------------
    Planted("exact path: ties pruned last index first", "reference/sap.py",
            "sorted(range(len(m)), key=m.fractions.__getitem__)[:c]",
            "sorted(reversed(range(len(m))), key=m.fractions.__getitem__)[:c]"),
    Planted("float path: ties pruned last index first", "reference/sap.py",
            'np.argsort(m.array, kind="stable")[:c]', 'len(m) - 1 - np.argsort(m.array[::-1], kind="stable")[:c]'),
    Planted("quick test margin 2^-60 (above)", "reference/limit.py",
            "if f * (1 + 2.0**-48) + slack < k:", "if f * (1 + 2.0**-60) < k:"),
    Planted("quick test margin 2^-60 (below)", "reference/limit.py",
            "if f * (1 - 2.0**-48) - slack > k:", "if f * (1 - 2.0**-60) > k:"),
    Planted("k = F(k) counted as unsatisfied", "reference/limit.py",
            "return k >= sum(coef * lam * r2 / (lam * r2 + 2 * eps) for coef, lam in terms)",
            "return k > sum(coef * lam * r2 / (lam * r2 + 2 * eps) for coef, lam in terms)"),
    # (r one too large, count + 1, is equivalent: at_most(t) answers t >= count before reading r,
    # and estimate() only seeds the search that _prune_count's loops correct)
    Planted("SAP count: the exact equal-magnitudes shortcut r one too small", "reference/sap.py",
            "self.exact = Fraction(self.count) if equal", "self.exact = Fraction(self.count - 1) if equal"),
    Planted("sign() gives up 16x earlier", "reference/_precision.py",
            "EQUALITY_BITS = 8192", "EQUALITY_BITS = 512"),
    # --- gpu_impl corners ---------------------------------------------------------------------
    Planted("SAP re-check band 100x narrower", "gpu_impl/pruning.py",
            "band = 2 * gamma * retained", "band = 0.02 * gamma * retained"),
    Planted("SAP re-check never runs", "gpu_impl/pruning.py",
            "if bool(near.any()):", "if False:"),
    Planted("fixed ratio rounds half up", "gpu_impl/pruning.py",
            "torch.round(amount * rows.count().to(_core.ACC))", "torch.floor(amount * rows.count().to(_core.ACC) + 0.5)"),
    Planted("masked entries ranked as zeros", "gpu_impl/pruning.py",
            "key.masked_fill(~mask, math.inf)", "key.masked_fill(~mask, 0)"),
)
