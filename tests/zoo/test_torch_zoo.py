"""lstmdoc on real PyTorch models: transformers, torchvision, timm and the smallest shared cases.

Each model is built once, from a configuration, and held to every check of
``tests.zoo._harness.CHECKS`` live and to the same total from each file it is saved
as; each (model, check) pair is one test, so that CI names what fails.
"""

from __future__ import annotations

import pytest

from tests.zoo import _harness
from tests.zoo._torch_zoo import ZOO


class TestTorchZoo:
    @pytest.mark.parametrize(("model", "check"), _harness.cases(ZOO))
    def test_check(self, model, check):
        """lstmdoc's report on the model passes the check against PyTorch's own count."""
        _harness.assert_passes(model, check)
