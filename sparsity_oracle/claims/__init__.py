"""The claims ledger (contract §9): every checkable claim of the papers in ``../shared/papers/``.

The data lives in one TOML file per paper file, named after the paper file's stem
(``diao2023-pqi-sap-fulltext.toml`` for ``diao2023-pqi-sap-fulltext.txt``), shipped as package
data: adding a claim is adding a ``[[claim]]`` table, no code.  A file holds

```toml
paper = "diao2023-pqi-sap-fulltext.txt"     # the paper file, its stem is the TOML file's name

[[claim]]
id = "diao.theorem1.range"                  # unique over the ledger
location = "Section 3.1, Theorem 1"         # section / theorem / remark / equation / figure / table
claim = "0 <= I_{p,q}(w) <= 1 - d^{1/q-1/p}"   # quoted or closely paraphrased
verdict = "proved"                          # proved, refuted, reproduced, not reproduced, open
command = "sparsity-oracle prove"           # what re-checks it
summary = "..."                             # the evidence in words, with the numbers
obligations = { "T1.bounds" = "proved" }    # proofs/ obligation id -> the status it has
properties = [ { measure = "pq_index", params = { p = 2, q = 4 }, property = "D1", holds = false } ]
runs = ["docs/reproduction.md#mlp-t--10-4-seeds"]
correction = "..."                          # optional: the corrected statement (errata)
```

``properties`` cites cells of the property table (``docs/properties.md``, the output of
``sparsity-oracle properties --markdown``): ``holds`` true, false, or the string "undecided".
A ``proved`` or ``refuted`` verdict must rest on obligations or property cells; the tests check
that each cited obligation has the cited status and each cited cell the cited verdict, and that
``docs/errata.md`` is ``sparsity-oracle claims --errata`` (the entries refuted or not reproduced).
"""

from .ledger import PAPERS, VERDICTS, Claim, load

__all__ = ["PAPERS", "VERDICTS", "Claim", "load"]
