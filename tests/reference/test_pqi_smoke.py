import mpmath

import reference


def test_one_hot_pqi_is_its_upper_bound():
    assert reference.pq_index([0, 5, 0, 0], 0.5, 1) == 1 - mpmath.mpf(4) ** (1 - 2)
