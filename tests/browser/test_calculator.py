"""The home page's parameter calculator, checked against lstmdoc and against Keras."""

from __future__ import annotations

import itertools
import re

import pytest

import lstmdoc

FORM = "#param-calculator"
TOTAL = "#param-calculator-total"
BREAKDOWNS = {
    "lstm": lstmdoc.lstm_param_breakdown,
    "gru": lstmdoc.gru_param_breakdown,
    "gru-reset-before": lambda units, features, use_bias: lstmdoc.gru_param_breakdown(
        units, features, use_bias=use_bias, reset_after=False
    ),
    "simple-rnn": lstmdoc.simple_rnn_param_breakdown,
    "dense": lstmdoc.dense_param_breakdown,
}
RECURRENT = ["lstm", "gru", "gru-reset-before", "simple-rnn"]


@pytest.fixture
def calculator(page, base_url, visit):
    """The home page, with its calculator ready; after the test, no problem was recorded."""
    page.goto(base_url + "index.html", wait_until="load")
    page.locator(FORM).wait_for(state="visible")
    yield page
    assert visit.problems() == {}


def set_inputs(page, layer, units, features, use_bias=True, bidirectional=False):
    """Fill the form as a reader would."""
    page.select_option(f"{FORM} [name=layer]", layer)
    page.fill(f"{FORM} [name=units]", str(units))
    page.fill(f"{FORM} [name=features]", str(features))
    page.set_checked(f"{FORM} [name=use_bias]", use_bias)
    if layer != "dense":
        page.set_checked(f"{FORM} [name=bidirectional]", bidirectional)


def shown_total(page) -> int | None:
    """The total the calculator shows, or None when it shows none."""
    text = page.locator(TOTAL).inner_text().strip()
    assert re.fullmatch(r"(\d{1,3}(,\d{3})*|\d+)?", text), text
    return int(text.replace(",", "")) if text else None


def test_starts_with_the_sites_question(calculator):
    """Opened, it shows LSTM(20) on one feature: the 1,760 the site explains."""
    assert shown_total(calculator) == lstmdoc.lstm_param_count(units=20, features=1) == 1760


def test_totals_match_lstmdoc_over_a_grid(calculator):
    """Every layer type, size, bias and direction gives lstmdoc's count (doubled if bidirectional)."""
    wrong = []
    for layer, units, features, use_bias, bidirectional in itertools.product(
        BREAKDOWNS, [1, 20, 128, 1000], [1, 3, 300], [True, False], [False, True]
    ):
        if layer == "dense" and bidirectional:
            continue  # Bidirectional wraps recurrent layers only
        set_inputs(calculator, layer, units, features, use_bias, bidirectional)
        expected = BREAKDOWNS[layer](units, features, use_bias=use_bias).total
        expected *= 2 if bidirectional else 1
        shown = shown_total(calculator)
        if shown != expected:
            wrong.append((layer, units, features, use_bias, bidirectional, shown, expected))
    assert wrong == []


@pytest.mark.parametrize("layer", list(BREAKDOWNS))
def test_derivation_lists_lstmdocs_weights_and_formula(calculator, layer):
    """The table lists lstmdoc's weights with their shapes and counts, then the formula."""
    set_inputs(calculator, layer, 7, 5, use_bias=True)
    breakdown = BREAKDOWNS[layer](7, 5, use_bias=True)
    rows = calculator.locator(f"{FORM} tbody tr").evaluate_all(
        "(rows) => rows.map((row) => Array.from(row.cells, (cell) => cell.textContent))"
    )
    assert [row[:3] for row in rows] == [
        [
            weight.name,
            f"({weight.shape[0]},)" if len(weight.shape) == 1 else str(weight.shape),
            f"{weight.count:,}",
        ]
        for weight in breakdown.weights
    ]
    equation = calculator.locator(f"{FORM} .param-calculator__equation").inner_text()
    assert equation == f"{breakdown.formula} = {breakdown.equation}"


def test_bidirectional_totals_match_keras(calculator):
    """A Bidirectional wrapper's count is what Keras itself counts for it."""
    import keras  # noqa: PLC0415  (only this test starts TensorFlow)

    layers = {
        "lstm": keras.layers.LSTM,
        "gru": keras.layers.GRU,
        "gru-reset-before": lambda units, **options: keras.layers.GRU(
            units, reset_after=False, **options
        ),
        "simple-rnn": keras.layers.SimpleRNN,
    }
    for layer, make in layers.items():
        for use_bias in (True, False):
            wrapped = keras.layers.Bidirectional(make(6, use_bias=use_bias))
            wrapped.build((None, None, 4))
            set_inputs(calculator, layer, 6, 4, use_bias, bidirectional=True)
            assert shown_total(calculator) == wrapped.count_params(), (layer, use_bias)


def test_dense_cannot_be_bidirectional(calculator):
    """Choosing Dense disables Bidirectional, says why, and counts one Dense layer."""
    set_inputs(calculator, "lstm", 20, 1, bidirectional=True)
    calculator.select_option(f"{FORM} [name=layer]", "dense")
    assert calculator.locator(f"{FORM} [name=bidirectional]").is_disabled()
    assert calculator.locator("#param-calculator-note").is_visible()
    assert shown_total(calculator) == lstmdoc.dense_param_count(20, 1)


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


def test_works_from_the_keyboard(calculator):
    """Tab reaches every control in order; arrows and typing change the count at once."""
    calculator.focus(f"{FORM} [name=layer]")
    calculator.keyboard.press("ArrowDown")  # LSTM -> GRU
    calculator.keyboard.press("Tab")
    calculator.keyboard.press("Control+a")
    calculator.keyboard.type("32")
    calculator.keyboard.press("Tab")
    calculator.keyboard.press("Control+a")
    calculator.keyboard.type("8")
    calculator.keyboard.press("Tab")
    calculator.keyboard.press("Space")  # use_bias off
    calculator.keyboard.press("Tab")
    calculator.keyboard.press("Space")  # bidirectional on
    assert calculator.evaluate("document.activeElement.name") == "bidirectional"
    expected = 2 * lstmdoc.gru_param_count(32, 8, use_bias=False)
    assert shown_total(calculator) == expected
    calculator.keyboard.press("Enter")  # submitting recounts; it never leaves the page
    assert calculator.url.endswith("index.html")
    assert shown_total(calculator) == expected


def test_names_every_control_and_announces_the_total(calculator):
    """Each control has an accessible name; the total sits in a polite live region."""
    for name, label in [
        ("layer", "Layer type"),
        ("units", "units"),
        ("features", "features (inputs per step)"),
        ("use_bias", "use_bias"),
        ("bidirectional", "Bidirectional"),
    ]:
        control = calculator.get_by_label(label, exact=True)
        assert control.get_attribute("name") == name
    live = calculator.locator(f"[aria-live=polite]:has({TOTAL})")
    assert live.count() == 1
    assert live.locator("#param-calculator-message").count() == 1
