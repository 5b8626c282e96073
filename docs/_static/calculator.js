/* The home page's parameter calculator: the count of one Keras layer, term by term.
 *
 * It mirrors lstmdoc.counting (the *_param_breakdown functions): the same weights,
 * shapes, formulas and totals; tests/browser checks it against them. Plain
 * JavaScript, no dependency; it does nothing on a page without the form.
 */
(function () {
  "use strict";

  // A million units or features is far beyond any real recurrent layer, and keeps
  // every total an exact integer in a JavaScript number (below 2 ** 53).
  var LARGEST = 1000000;

  var LAYERS = {
    lstm: { name: "LSTM", blocks: 4, recurrent: true, biasRows: 1 },
    gru: { name: "GRU", blocks: 3, recurrent: true, biasRows: 2, resetAfter: true },
    "gru-reset-before": { name: "GRU", blocks: 3, recurrent: true, biasRows: 1, resetAfter: false },
    "simple-rnn": { name: "SimpleRNN", blocks: 1, recurrent: true, biasRows: 1 },
    dense: { name: "Dense", blocks: 1, recurrent: false, biasRows: 1 },
  };

  function grouped(number) {
    return String(number).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  /* Read a size field: a whole number from 1 to LARGEST, or a message saying what is wrong. */
  function readSize(input, label) {
    var text = input.value.trim();
    var badInput = input.validity && input.validity.badInput; // "abc" in a number field reads ""
    if (text === "" && !badInput) {
      return { error: "Enter " + label + ": a whole number of 1 or more." };
    }
    var value = Number(text);
    if (badInput || !Number.isFinite(value)) {
      return { error: label + " must be a whole number of 1 or more, such as 20." };
    }
    if (!Number.isInteger(value) || value < 1) {
      return { error: label + " must be a whole number of 1 or more, not " + text + "." };
    }
    if (value > LARGEST) {
      return { error: label + " above " + grouped(LARGEST) + " is beyond any real layer: try a smaller number." };
    }
    return { value: value };
  }

  /* The weights of one layer, in Keras' order, as lstmdoc's *_param_breakdown lists them. */
  function breakdown(layer, units, features, useBias) {
    var width = layer.blocks * units;
    var blocks = layer.blocks > 1 ? layer.blocks + "·" : "";
    var weights = [
      { name: "kernel", shape: [features, width], meaning: "features × " + blocks + "units" },
    ];
    if (layer.recurrent) {
      weights.push({ name: "recurrent_kernel", shape: [units, width], meaning: "units × " + blocks + "units" });
    }
    var biases = useBias ? layer.biasRows : 0;
    if (biases === 2) {
      weights.push({ name: "bias", shape: [2, width], meaning: "2 × " + blocks + "units (input and recurrent bias)" });
    } else if (biases === 1) {
      weights.push({ name: "bias", shape: [width], meaning: blocks + "units" });
    }
    weights.forEach(function (weight) {
      weight.count = weight.shape.reduce(function (product, size) { return product * size; }, 1);
    });
    var formula;
    var substituted;
    if (layer.recurrent) {
      var factor = layer.blocks > 1 ? layer.blocks + " × " : "";
      var biasTerm = biases ? " + " + biases : "";
      formula = factor + "units × (features + units" + biasTerm + ")";
      substituted = factor + units + " × (" + features + " + " + units + biasTerm + ")";
    } else if (useBias) {
      formula = "units × (features + 1)";
      substituted = units + " × (" + features + " + 1)";
    } else {
      formula = "units × features";
      substituted = units + " × " + features;
    }
    var total = weights.reduce(function (sum, weight) { return sum + weight.count; }, 0);
    return { weights: weights, formula: formula, substituted: substituted, total: total };
  }

  function cell(tag, text, className) {
    var element = document.createElement(tag);
    element.textContent = text;
    if (className) {
      element.className = className;
    }
    return element;
  }

  function shapeText(shape) {
    return shape.length === 1 ? "(" + shape[0] + ",)" : "(" + shape.join(", ") + ")";
  }

  function setUp(form) {
    var total = form.querySelector("#param-calculator-total");
    var summary = form.querySelector(".param-calculator__summary");
    var message = form.querySelector(".param-calculator__message");
    var derivation = form.querySelector(".param-calculator__derivation");
    var body = derivation.querySelector("tbody");
    var equation = form.querySelector(".param-calculator__equation");
    var code = form.querySelector(".param-calculator__code");
    var bidirectional = form.elements.bidirectional;
    var bidirectionalNote = form.querySelector(".param-calculator__note");

    function showError(text, inputs) {
      summary.hidden = true;
      derivation.hidden = true;
      total.textContent = "";
      message.textContent = text;
      message.hidden = false;
      inputs.forEach(function (input) { input.setAttribute("aria-invalid", "true"); });
    }

    function update() {
      var layer = LAYERS[form.elements.layer.value];
      bidirectional.disabled = !layer.recurrent;
      bidirectionalNote.hidden = layer.recurrent;
      var sizes = [
        [form.elements.units, "units"],
        [form.elements.features, "features"],
      ];
      var values = {};
      var errors = [];
      var invalid = [];
      sizes.forEach(function (pair) {
        pair[0].removeAttribute("aria-invalid");
        var read = readSize(pair[0], pair[1]);
        if (read.error) {
          errors.push(read.error);
          invalid.push(pair[0]);
        } else {
          values[pair[1]] = read.value;
        }
      });
      if (errors.length) {
        showError(errors.join(" "), invalid);
        return;
      }
      var useBias = form.elements.use_bias.checked;
      var both = layer.recurrent && bidirectional.checked;
      var result = breakdown(layer, values.units, values.features, useBias);
      var copies = both ? 2 : 1;

      body.replaceChildren();
      result.weights.forEach(function (weight) {
        var row = document.createElement("tr");
        row.append(
          cell("th", weight.name),
          cell("td", shapeText(weight.shape)),
          cell("td", grouped(weight.count), "param-calculator__number"),
          cell("td", weight.meaning)
        );
        row.firstChild.scope = "row";
        body.append(row);
      });
      var perDirection = grouped(result.total);
      var grand = result.total * copies;
      if (both) {
        var backward = document.createElement("tr");
        backward.append(
          cell("th", "backward copy"),
          cell("td", ""),
          cell("td", perDirection, "param-calculator__number"),
          cell("td", "the same weights again, for the backward direction")
        );
        backward.firstChild.scope = "row";
        body.append(backward);
        equation.textContent =
          "2 × " + result.formula + " = 2 × " + result.substituted + " = " + grouped(grand);
      } else {
        equation.textContent = result.formula + " = " + result.substituted + " = " + grouped(grand);
      }

      var options = "units=" + values.units;
      if (!useBias) {
        options += ", use_bias=False";
      }
      if (layer.resetAfter === false) {
        options += ", reset_after=False";
      }
      var call = "layers." + layer.name + "(" + options + ")";
      code.textContent = both ? "layers.Bidirectional(" + call + ")" : call;

      total.textContent = grouped(grand);
      summary.hidden = false;
      derivation.hidden = false;
      message.hidden = true;
      message.textContent = "";
    }

    form.addEventListener("input", update);
    form.addEventListener("change", update);
    form.addEventListener("submit", function (event) {
      event.preventDefault(); // Enter in a field recounts; there is nothing to send
      update();
    });
    form.hidden = false;
    update();
  }

  function start() {
    var form = document.getElementById("param-calculator");
    if (form) {
      setUp(form);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
