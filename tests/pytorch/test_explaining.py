"""Tests for lstmdoc.pytorch.explaining that need no PyTorch: state_dicts explained from shapes.

Live modules, and files read with torch.load, are tested against real PyTorch in
tests/pytorch/, which ``nox -s torch`` runs.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

import lstmdoc
from tests._formulas import evaluate


def tagger_shapes(proj_size: int = 0) -> dict[str, tuple[int, ...]]:
    """The PyTorch tagger of the docs page, as its state_dict's names and shapes.

    The LSTM's shapes are written out by hand from torch.nn.LSTM(32, 64,
    bidirectional=True), as PyTorch 2.13 prints its state_dict (four gate blocks of
    64 rows each), not computed by lstmdoc, whose recognition is what is tested.
    """
    outputs = 2 * (proj_size or 64)
    fed_back = proj_size or 64
    shapes: dict[str, tuple[int, ...]] = {"embedding.weight": (1000, 32)}
    for suffix in ("", "_reverse"):
        shapes |= {
            f"lstm.weight_ih_l0{suffix}": (256, 32),
            f"lstm.weight_hh_l0{suffix}": (256, fed_back),
            f"lstm.bias_ih_l0{suffix}": (256,),
            f"lstm.bias_hh_l0{suffix}": (256,),
        }
        if proj_size:
            shapes[f"lstm.weight_hr_l0{suffix}"] = (proj_size, 64)
    shapes |= {
        "norm.weight": (outputs,),
        "norm.bias": (outputs,),
        "norm.running_mean": (outputs,),
        "norm.running_var": (outputs,),
        "norm.num_batches_tracked": (),
        "tags.weight": (10, outputs),
        "tags.bias": (10,),
    }
    return shapes


class TestExplainStateDict:
    def test_the_tagger(self):
        """Each module is recognised and derived; buffers are counted apart."""
        report = lstmdoc.explain_state_dict(tagger_shapes())
        rows = {row.name: row for row in report.rows}
        assert rows["lstm"].layer == "LSTM(32, 64, bidirectional=True)"
        assert rows["lstm"].formula == "2 × 4 × 64 × (32 + 64 + 2)"
        assert rows["lstm"].params == 2 * 4 * 64 * (32 + 64 + 2)
        assert (rows["norm"].params, rows["norm"].buffer_size) == (256, 257)
        assert report.agrees
        assert report.derived_params == 32000 + 50176 + 256 + 1290
        assert report.buffer_size == report.total_buffer_size == 257
        assert "257 buffer values, not counted" in report.text(wide=True).splitlines()[0]
        assert report.separator == "."

    def test_a_projection(self):
        """proj_size adds weight_hr and shrinks what the next modules read."""
        report = lstmdoc.explain_state_dict(tagger_shapes(proj_size=16))
        lstm = next(row for row in report.rows if row.name == "lstm")
        assert lstm.layer == "LSTM(32, 64, bidirectional=True, proj_size=16)"
        assert "weight_hr_l0" in [weight.name for weight in lstm.weights]
        assert evaluate(str(lstm.formula)) == lstm.params

    def test_nested_modules_and_unknown_tensors(self):
        """Unrecognised modules hold their tensors as rows; recognised ones nest beneath."""
        shapes = {
            "scale": (3,),
            "block.conv.weight": (4, 2, 3),
            "block.conv.bias": (5,),  # neither a convolution's nor its transpose's
            "block.attention.in_proj_weight": (12, 4),
            "block.attention.out_proj.weight": (4, 4),
        }
        report = lstmdoc.explain_state_dict(shapes, name="custom")
        rows = {row.name: row for row in report.rows}
        assert [row.name for row in report.top_rows] == ["block", "scale"]
        assert rows["block.conv"].layer == "unknown"
        assert rows["block.conv.weight"].layer == "tensor"
        assert rows["block.attention.out_proj"].depth == 2
        assert rows["block.attention"].params == 12 * 4 + 4 * 4
        assert report.derived_params == report.total_params == 3 + 24 + 5 + 48 + 16
        text = str(report)
        assert "block.conv.weight, block.conv.bias, scale: tensors of a module" in text
        assert "num_heads is not stored" in text

    def test_an_empty_state_dict_has_no_rows(self):
        """A model without parameters saves an empty state_dict: nothing to explain."""
        report = lstmdoc.explain_state_dict({})
        assert (report.rows, report.total_params) == ((), 0)
        assert str(report).endswith("No layer owns weights.")

    def test_tensors_may_be_anything_with_a_shape(self):
        """A NumPy array's shape is read, never its values."""
        numpy = pytest.importorskip("numpy")
        report = lstmdoc.explain_state_dict({"weight": numpy.zeros((2, 3)), "bias": (2,)})
        assert report.rows[0].layer == "Linear(3, 2)"

    @pytest.mark.parametrize(
        ("state_dict", "error", "message"),
        [
            ([("weight", (2, 3))], TypeError, "must be a mapping of tensor names"),
            ({"a..b": (2,)}, ValueError, "dotted names"),
            ({"weight": "2, 3"}, TypeError, r"state_dict\['weight'\] must be a tensor"),
            ({"weight": (2, -1)}, ValueError, "size must be a non-negative integer, got -1"),
        ],
    )
    def test_bad_input(self, state_dict, error, message):
        """What is not a state_dict gets a TypeError or ValueError that says what was expected."""
        with pytest.raises(error, match=message):
            lstmdoc.explain_state_dict(state_dict)


class TestWithoutPyTorch:
    def test_explain_file_of_a_pt_file_says_how_to_install(self, tmp_path):
        """Without PyTorch, a .pt file raises ImportError naming lstmdoc[torch]."""
        path = tmp_path / "model.pt"
        path.write_bytes(b"")
        code = (
            "import sys; sys.modules['torch'] = None; import lstmdoc\n"
            f"lstmdoc.explain_file({str(path)!r})"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=False
        )
        assert result.returncode == 1
        assert (
            'ImportError: reading model.pt needs PyTorch, which is not installed: pip install "lstmdoc[torch]"'
            in result.stderr
        )

    def test_explain_imports_no_torch_for_other_objects(self):
        """lstmdoc.explain of a non-module imports neither torch nor TensorFlow to say so."""
        code = (
            "import sys, lstmdoc\n"
            "try:\n    lstmdoc.explain(3)\nexcept TypeError:\n    pass\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'tensorflow', 'keras'}))"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert result.stdout.strip() == "[]"
