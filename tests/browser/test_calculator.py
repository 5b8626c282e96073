"""The home page's parameter calculator, checked against lstmdoc count and against Keras.

The calculator holds no formula: it evaluates lstmdoc's layer families, written into
the page by the build. These tests fill its form as a reader would and hold what it
shows against ``lstmdoc.counting.breakdown`` for the same arguments, family by family.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping

import pytest

import lstmdoc
from lstmdoc import counting

FORM = "#param-calculator"
TOTAL = "#param-calculator-total"
CASES_PER_FAMILY = 12


@pytest.fixture
def calculator(page, base_url, visit):
    """The home page, with its calculator ready; after the test, no problem was recorded."""
    page.goto(base_url + "index.html", wait_until="load")
    page.locator(FORM).wait_for(state="visible")
    yield page
    assert visit.problems() == {}


def set_inputs(page, family: str, values: Mapping[str, object]) -> None:
    """Choose the layer, then fill each of its fields as a reader would."""
    page.select_option(f"{FORM} [name=layer]", family)
    for name, value in values.items():
        field = f"{FORM} [name={name}]"
        if isinstance(value, bool):
            page.set_checked(field, value)
        elif isinstance(value, list):
            page.fill(field, " ".join(map(str, value)))
        else:
            page.fill(field, str(value))


def shown_total(page) -> int | None:
    """The total the calculator shows, or None when it shows none."""
    text = page.locator(TOTAL).inner_text().strip()
    assert re.fullmatch(r"(\d{1,3}(,\d{3})*|\d+)?", text), text
    return int(text.replace(",", "")) if text else None


def shown_rows(page) -> list[list[str]]:
    return page.locator(f"{FORM} tbody tr").evaluate_all(
        "(rows) => rows.map((row) => Array.from(row.cells, (cell) => cell.textContent))"
    )


def random_arguments(family: counting.family.Family, chooser: random.Random) -> dict[str, object]:
    """Arguments a reader might give, drawn afresh; sizes that fit together where they must."""
    values: dict[str, object] = {}
    groups = chooser.choice([1, 1, 2, 3])
    for argument in family.arguments:
        if argument.kind == "flag":
            values[argument.name] = chooser.random() < 0.5
        elif argument.kind == "sizes":
            values[argument.name] = [chooser.randint(1, 5) for _ in range(argument.length or 2)]
        elif argument.name == "groups":
            values[argument.name] = groups
        elif argument.name in {"channels", "filters", "in_channels", "out_channels"}:
            values[argument.name] = groups * chooser.randint(1, 40)
        elif argument.name == "proj_size":
            values[argument.name] = chooser.choice([0, 0, 1, 3])
        elif argument.name == "num_layers":
            values[argument.name] = chooser.randint(1, 3)
        else:
            values[argument.name] = chooser.choice([1, 7, 20, 128, 1000])
    if "proj_size" in values and "hidden_size" in values:
        values["hidden_size"] = max(int(values["hidden_size"]), int(values["proj_size"]) + 1)  # type: ignore[call-overload]
    return values


def test_starts_with_the_sites_question(calculator):
    """Opened, it shows LSTM(20) on one feature: the 1,760 the site explains."""
    assert shown_total(calculator) == lstmdoc.lstm_param_count(units=20, features=1) == 1760


def test_offers_every_family_of_lstmdoc_count(calculator):
    """The layer menu lists each family of lstmdoc count, Keras' and PyTorch's, in its order."""
    offered = calculator.locator(f"{FORM} [name=layer] option").evaluate_all(
        "(options) => options.map((option) => option.value)"
    )
    assert offered == list(counting.FAMILIES)


@pytest.mark.parametrize("family", list(counting.FAMILIES))
def test_each_family_shows_what_lstmdoc_count_prints(calculator, family):
    """For random arguments, the weights, total, formula, call and mult-adds are lstmdoc's, to the digit."""
    chooser = random.Random(family)  # the same cases on every run
    wrong = []
    for _ in range(CASES_PER_FAMILY):
        values = random_arguments(counting.FAMILIES[family], chooser)
        set_inputs(calculator, family, values)
        expected = counting.breakdown(family, **values)
        rows = [
            [weight.name, _shape(weight.shape), f"{weight.count:,}", weight.meaning]
            for weight in (*expected.weights, *expected.buffers)
        ]
        shown = (
            shown_total(calculator),
            shown_rows(calculator),
            calculator.locator(f"{FORM} .param-calculator__equation").inner_text(),
            calculator.locator(f"{FORM} .param-calculator__code").inner_text(),
            calculator.locator(f"{FORM} .param-calculator__cost").text_content(),
        )
        truth = (
            expected.total,
            rows,
            f"{expected.formula} = {expected.equation}",
            expected.call,
            expected.cost_line or "",
        )
        if shown != truth:
            wrong.append((values, shown, truth))
    assert wrong == []


def test_bidirectional_totals_match_keras(calculator):
    """A Bidirectional wrapper's count is what Keras itself counts for it."""
    import keras  # noqa: PLC0415  (only this test starts TensorFlow)

    layers = {
        "lstm": keras.layers.LSTM,
        "gru": keras.layers.GRU,
        "simple-rnn": keras.layers.SimpleRNN,
    }
    for family, make in layers.items():
        for use_bias in (True, False):
            wrapped = keras.layers.Bidirectional(make(6, use_bias=use_bias))
            wrapped.build((None, None, 4))
            values = {"units": 6, "features": 4, "use_bias": use_bias, "bidirectional": True}
            set_inputs(calculator, family, values)
            assert shown_total(calculator) == wrapped.count_params(), (family, use_bias)
            names = [row[0] for row in shown_rows(calculator)]
            assert names[0].startswith("forward")
            assert names[-1].startswith("backward")


@pytest.mark.parametrize("field", ["units", "features"])
@pytest.mark.parametrize("text", ["", "0", "-3", "2.5", "1e12", "99999999999", "1000001"])
def test_bad_sizes_show_a_message_not_a_number(calculator, field, text):
    """Empty, zero, negative, fractional or absurd sizes show a message naming the field."""
    calculator.fill(f"{FORM} [name={field}]", text)
    message = calculator.locator("#param-calculator-message")
    assert message.is_visible()
    assert field in message.inner_text()
    assert shown_total(calculator) is None
    assert calculator.locator(f"{FORM} [name={field}]").get_attribute("aria-invalid") == "true"
    shown_text = calculator.locator(FORM).inner_text()
    assert "NaN" not in shown_text
    assert "Infinity" not in shown_text
    calculator.fill(f"{FORM} [name={field}]", "20")
    assert not message.is_visible()
    features = 20 if field == "features" else 1  # the other field keeps its start value
    assert shown_total(calculator) == lstmdoc.lstm_param_count(units=20, features=features)


def test_sizes_that_do_not_fit_together_are_said_so(calculator):
    """Groups that do not divide the channels get lstmdoc's own message, and no count."""
    set_inputs(
        calculator, "conv2d", {"filters": 4, "kernel_size": [3, 3], "channels": 3, "groups": 2}
    )
    assert shown_total(calculator) is None
    assert calculator.locator("#param-calculator-message").inner_text() == (
        "groups (2) must divide the channels (3)."
    )


def test_a_count_too_large_to_be_exact_is_refused(calculator):
    """A count beyond what a JavaScript number holds exactly sends the reader to lstmdoc count."""
    set_inputs(
        calculator,
        "conv3d",
        {"filters": 1000000, "kernel_size": [1000, 1000, 1000], "channels": 1000000},
    )
    assert shown_total(calculator) is None
    assert "lstmdoc count" in calculator.locator("#param-calculator-message").inner_text()


def test_an_argument_the_same_as_another_follows_it(calculator):
    """MultiHeadAttention's value_dim, left empty, is key_dim, as Keras takes it."""
    values = {"num_heads": 2, "key_dim": 32, "value_dim": "", "query_features": 32}
    set_inputs(calculator, "multi-head-attention", values)
    expected = counting.breakdown(
        "multi-head-attention", num_heads=2, key_dim=32, query_features=32
    )
    assert shown_total(calculator) == expected.total
    assert calculator.locator(f"{FORM} [name=value_dim]").get_attribute("placeholder") == (
        "same as key_dim"
    )


def test_works_from_the_keyboard(calculator):
    """Tab reaches every control in order; arrows and typing change the count at once."""
    calculator.focus(f"{FORM} [name=layer]")
    calculator.keyboard.press("ArrowDown")  # LSTM -> GRU
    for name, keys in [("units", "32"), ("features", "8"), ("steps", "5")]:
        calculator.keyboard.press("Tab")
        assert calculator.evaluate("document.activeElement.name") == name
        calculator.keyboard.press("Control+a")
        calculator.keyboard.type(keys)
    calculator.keyboard.press("Tab")
    calculator.keyboard.press("Space")  # use_bias off
    calculator.keyboard.press("Tab")  # reset_after
    calculator.keyboard.press("Tab")
    calculator.keyboard.press("Space")  # bidirectional on
    assert calculator.evaluate("document.activeElement.name") == "bidirectional"
    expected = 2 * lstmdoc.gru_param_count(32, 8, use_bias=False)
    assert shown_total(calculator) == expected
    # Two directions of 5 steps, each step 3 gate blocks of units × (features + units)
    # multiply-adds: 38,400, derived by hand.
    cost = calculator.locator(f"{FORM} .param-calculator__cost").inner_text()
    assert f"= {2 * 5 * 3 * 32 * (8 + 32):,} (" in cost
    calculator.keyboard.press("Enter")  # submitting recounts; it never leaves the page
    assert calculator.url.endswith("index.html")
    assert shown_total(calculator) == expected


@pytest.mark.parametrize("family", ["lstm", "conv2d", "multi-head-attention", "torch-lstm"])
def test_names_every_control_and_announces_the_total(calculator, family):
    """Each control is labelled by its argument's name; the total sits in a polite live region."""
    calculator.select_option(f"{FORM} [name=layer]", family)
    assert calculator.get_by_label("Layer type", exact=True).get_attribute("name") == "layer"
    for argument in counting.FAMILIES[family].arguments:
        control = calculator.get_by_label(argument.name, exact=True)
        assert control.get_attribute("name") == argument.name
        assert argument.help in control.evaluate(
            "(input) => input.getAttribute('aria-describedby').split(' ')"
            ".map((id) => document.getElementById(id).textContent).join(' ')"
        )
    live = calculator.locator(f"[aria-live=polite]:has({TOTAL})")
    assert live.count() == 1
    assert live.locator("#param-calculator-message").count() == 1


def _shape(shape: tuple[int, ...]) -> str:
    return f"({shape[0]},)" if len(shape) == 1 else "(" + ", ".join(map(str, shape)) + ")"
