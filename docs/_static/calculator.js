/* The home page's parameter calculator: the count of one Keras layer or PyTorch module, term by term.
 *
 * It holds no formula of its own. The docs build writes lstmdoc's layer families
 * (lstmdoc.counting.families) into families.js, each weight's shape and each
 * formula an expression tree; this file evaluates those trees by the rules of
 * lstmdoc.counting.expressions, so the page computes what `lstmdoc count` prints.
 * tests/browser checks the two against each other. Plain JavaScript, no dependency;
 * it does nothing on a page without the form.
 */
(function () {
  "use strict";

  // A million is far beyond any real layer's size, and a count above 2 ** 53 would no
  // longer be an exact integer in a JavaScript number: both are refused with a message.
  var LARGEST = 1000000;

  /* --- the expression language of lstmdoc.counting.expressions --------------------- */

  function isInt(value) {
    return typeof value === "number" && Number.isInteger(value);
  }

  function truthy(value) {
    if (Array.isArray(value)) {
      return value.length > 0;
    }
    return Boolean(value);
  }

  function equal(left, right) {
    if (Array.isArray(left) && Array.isArray(right)) {
      return left.length === right.length && left.every(function (item, index) {
        return equal(item, right[index]);
      });
    }
    return left === right;
  }

  function text(value) {
    if (value === true) {
      return "True";
    }
    if (value === false) {
      return "False";
    }
    if (Array.isArray(value)) {
      return value.length === 1 ? "(" + text(value[0]) + ",)" : "(" + value.map(text).join(", ") + ")";
    }
    return String(value);
  }

  function number(value, operator) {
    if (!isInt(value)) {
      throw new Error(operator + " needs whole numbers");
    }
    return value;
  }

  var FUNCTIONS = {
    str: function (value) { return text(value); },
    len: function (items) { return items.length; },
    range: function (count) {
      var items = [];
      for (var index = 0; index < count; index += 1) {
        items.push(index);
      }
      return items;
    },
    prod: function (items) { return items.reduce(function (product, size) { return product * size; }, 1); },
    join: function (items, separator) { return items.map(text).join(separator); },
  };

  function operate(operator, args, names) {
    if (operator === "and") {
      var first = evaluate(args[0], names);
      return truthy(first) ? evaluate(args[1], names) : first;
    }
    if (operator === "or") {
      var either = evaluate(args[0], names);
      return truthy(either) ? either : evaluate(args[1], names);
    }
    var values = args.map(function (arg) { return evaluate(arg, names); });
    var left = values[0];
    var right = values[1];
    switch (operator) {
      case "not": return !truthy(left);
      case "neg": return -number(left, operator);
      case "index":
        if (!Array.isArray(left) || !isInt(right) || right < 0 || right >= left.length) {
          throw new Error("cannot index");
        }
        return left[right];
      case "+":
        if (typeof left === "string" && typeof right === "string") {
          return left + right;
        }
        if (Array.isArray(left) && Array.isArray(right)) {
          return left.concat(right);
        }
        return number(left, operator) + number(right, operator);
      case "==": return equal(left, right);
      case "!=": return !equal(left, right);
      default: break;
    }
    left = number(left, operator);
    right = number(right, operator);
    if ((operator === "//" || operator === "%") && right === 0) {
      throw new Error("division by zero");
    }
    switch (operator) {
      case "-": return left - right;
      case "*": return left * right;
      case "//": return Math.floor(left / right);
      case "%": return ((left % right) + right) % right; // Python's sign: the divisor's
      case "<": return left < right;
      case "<=": return left <= right;
      case ">": return left > right;
      case ">=": return left >= right;
      default: throw new Error(operator + " is not an operator of this language");
    }
  }

  function evaluate(tree, names) {
    if (typeof tree === "number" || typeof tree === "string" || typeof tree === "boolean") {
      return tree;
    }
    if ("name" in tree) {
      if (!(tree.name in names)) {
        throw new Error(tree.name + " is not defined");
      }
      return names[tree.name];
    }
    if ("list" in tree) {
      return tree.list.map(function (item) { return evaluate(item, names); });
    }
    if ("if" in tree) {
      return evaluate(truthy(evaluate(tree.if[0], names)) ? tree.if[1] : tree.if[2], names);
    }
    if ("template" in tree) {
      return render(tree, names);
    }
    if ("call" in tree) {
      var args = tree.args.map(function (arg) { return evaluate(arg, names); });
      return FUNCTIONS[tree.call].apply(null, args);
    }
    return operate(tree.op, tree.args, names);
  }

  function render(template, names) {
    return template.template.map(function (part) {
      return part !== null && typeof part === "object" && "text" in part
        ? part.text
        : text(evaluate(part, names));
    }).join("");
  }

  /* --- a family, counted: lstmdoc.counting.family.breakdown ------------------------ */

  function product(lists) {
    return lists.reduce(function (combinations, list) {
      var longer = [];
      combinations.forEach(function (combination) {
        list.forEach(function (item) { longer.push(combination.concat([item])); });
      });
      return longer;
    }, [[]]);
  }

  function count(shape) {
    return shape.reduce(function (total, size) { return total * size; }, 1);
  }

  function breakdown(family, values) {
    var names = Object.assign({}, values);
    family.requires.forEach(function (pair) {
      if (!truthy(evaluate(pair[0], names))) {
        throw new RangeError(render(pair[1], names));
      }
    });
    family.definitions.forEach(function (pair) {
      names[pair[0]] = evaluate(pair[1], names);
    });
    var weights = [];
    var buffers = [];
    family.weights.forEach(function (group) {
      var lists = group.each.map(function (loop) { return evaluate(loop[1], names); });
      product(lists).forEach(function (combination) {
        var scope = Object.assign({}, names);
        group.each.forEach(function (loop, index) { scope[loop[0]] = combination[index]; });
        group.rows.forEach(function (row) {
          if (!truthy(evaluate(row.when, scope))) {
            return;
          }
          var shape = evaluate(row.shape, scope);
          var weight = {
            name: render(row.name, scope),
            shape: shape,
            count: count(shape),
            meaning: render(row.meaning, scope),
          };
          (truthy(evaluate(row.buffer, scope)) ? buffers : weights).push(weight);
        });
      });
    });
    return {
      weights: weights,
      buffers: buffers,
      total: weights.reduce(function (sum, weight) { return sum + weight.count; }, 0),
      formula: render(family.formula, names),
      substituted: render(family.substituted, names),
      call: render(family.call, names),
      multAdds: family.mult_adds === null ? null : evaluate(family.mult_adds, names),
      multAddsSubstituted: render(family.mult_adds_substituted, names),
      multAddsFor: render(family.mult_adds_for, names),
    };
  }

  /* The mult-adds line that lstmdoc count prints under the count (Breakdown.cost_line),
     or "" where the family has no formula for them. */
  function costLine(result) {
    if (result.multAdds === null) {
      return "";
    }
    if (result.multAdds === 0) {
      return result.multAddsFor ? "Mult-adds: 0 (" + result.multAddsFor + ")" : "Mult-adds: 0";
    }
    var what = result.multAddsFor ? " " + result.multAddsFor : "";
    return "Mult-adds" + what + ": " + result.multAddsSubstituted + " = " + grouped(result.multAdds) +
      " (" + grouped(2 * result.multAdds) + " FLOPs)";
  }

  /* --- the form ---------------------------------------------------------------------- */

  function grouped(value) {
    return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  function shapeText(shape) {
    return shape.length === 1 ? "(" + shape[0] + ",)" : "(" + shape.join(", ") + ")";
  }

  function cell(tag, content, className) {
    var element = document.createElement(tag);
    element.textContent = content;
    if (className) {
      element.className = className;
    }
    return element;
  }

  /* Read one whole number from text: a number, or a message saying what is wrong. */
  function readSize(text, label, minimum) {
    var least = minimum === 0 ? "0" : "1";
    if (text === "") {
      return { error: "Enter " + label + ": a whole number of " + least + " or more." };
    }
    if (!/^[+-]?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(text)) {
      return { error: label + " must be a whole number of " + least + " or more, such as 20." };
    }
    var value = Number(text);
    if (!Number.isInteger(value) || value < minimum) {
      return { error: label + " must be a whole number of " + least + " or more, not " + text + "." };
    }
    if (value > LARGEST) {
      return { error: label + " above " + grouped(LARGEST) + " is beyond any real layer: try a smaller number." };
    }
    return { value: value };
  }

  function readArgument(argument, input, names) {
    if (argument.kind === "flag") {
      return { value: input.checked };
    }
    var raw = input.value.trim();
    if (raw === "" && argument.default !== null) {
      return { value: evaluate(argument.default, names) };
    }
    if (argument.kind === "size") {
      var badInput = input.validity && input.validity.badInput; // "abc" in a number field reads ""
      return badInput ? readSize("x", argument.name, argument.minimum) : readSize(raw, argument.name, argument.minimum);
    }
    var parts = raw.split(/[\s,×x*]+/).filter(function (part) { return part !== ""; });
    var sizes = [];
    for (var index = 0; index < parts.length; index += 1) {
      var read = readSize(parts[index], argument.name, 1);
      if (read.error) {
        return read;
      }
      sizes.push(read.value);
    }
    if (sizes.length === 0) {
      return readSize("", argument.name, 1);
    }
    if (argument.length && sizes.length === 1) {
      while (sizes.length < argument.length) {
        sizes.push(sizes[0]);
      }
    }
    if (argument.length && sizes.length !== argument.length) {
      return { error: argument.name + " takes " + argument.length + " sizes, such as " + Array(argument.length).fill(3).join(" ") + "." };
    }
    return { value: sizes };
  }

  function setUp(form, families) {
    var select = form.elements.layer;
    var fields = form.querySelector(".param-calculator__fields");
    var total = form.querySelector("#param-calculator-total");
    var summary = form.querySelector(".param-calculator__summary");
    var message = form.querySelector(".param-calculator__message");
    var derivation = form.querySelector(".param-calculator__derivation");
    var body = derivation.querySelector("tbody");
    var equation = form.querySelector(".param-calculator__equation");
    var code = form.querySelector(".param-calculator__code");
    var cost = form.querySelector(".param-calculator__cost");
    var kept = {}; // what the reader typed, by argument name, kept across layer types
    var built = null; // the family whose fields the form shows

    ["Keras", "PyTorch"].forEach(function (framework) {
      var group = document.createElement("optgroup");
      group.label = framework;
      families.filter(function (family) { return family.framework === framework; }).forEach(function (family) {
        var option = cell("option", family.summary);
        option.value = family.key;
        group.append(option);
      });
      select.append(group);
    });
    select.value = "lstm";

    function family() {
      return families.find(function (candidate) { return candidate.key === select.value; });
    }

    function start(argument) {
      if (argument.name in kept) {
        return kept[argument.name];
      }
      if (argument.default !== null && typeof argument.default !== "object") {
        return argument.default;
      }
      if (argument.default !== null) {
        return ""; // the same as another argument until the reader says otherwise
      }
      if (argument.kind === "sizes") {
        return Array(argument.length || 1).fill(3).join(" ");
      }
      return { units: 20, features: 1, input_size: 1, hidden_size: 20 }[argument.name] || 8;
    }

    function buildFields() {
      built = select.value;
      fields.replaceChildren();
      family().arguments.forEach(function (argument) {
        var id = "param-calculator-" + argument.name.replace(/_/g, "-");
        var hint = id + "-hint";
        var input = document.createElement("input");
        input.id = id;
        input.name = argument.name;
        input.setAttribute("aria-describedby", hint + " param-calculator-message");
        var label = cell("label", argument.name);
        label.htmlFor = id;
        var help = cell("span", argument.help, "param-calculator__hint");
        help.id = hint;
        var wrapper = document.createElement("div");
        if (argument.kind === "flag") {
          input.type = "checkbox";
          input.checked = Boolean(start(argument));
          wrapper.className = "param-calculator__check";
          wrapper.append(input, label, help);
        } else {
          if (argument.kind === "size") {
            input.type = "number";
            input.inputMode = "numeric";
            input.min = String(argument.minimum);
            input.max = String(LARGEST);
            input.step = "1";
          } else {
            input.type = "text";
            input.inputMode = "numeric";
            input.autocomplete = "off";
          }
          input.value = String(start(argument));
          if (argument.same_as) {
            input.placeholder = "same as " + argument.same_as;
          }
          wrapper.className = "param-calculator__field";
          wrapper.append(label, input, help);
        }
        fields.append(wrapper);
      });
    }

    function showError(text, inputs) {
      summary.hidden = true;
      derivation.hidden = true;
      total.textContent = "";
      message.textContent = text;
      message.hidden = false;
      inputs.forEach(function (input) { input.setAttribute("aria-invalid", "true"); });
    }

    function update() {
      if (built !== select.value) {
        buildFields(); // a new layer type: its own fields, with what was typed kept
      }
      var chosen = family();
      var values = {};
      var errors = [];
      var invalid = [];
      chosen.arguments.forEach(function (argument) {
        var input = form.elements[argument.name];
        input.removeAttribute("aria-invalid");
        kept[argument.name] = argument.kind === "flag" ? input.checked : input.value;
        var read = readArgument(argument, input, values);
        if (read.error) {
          errors.push(read.error);
          invalid.push(input);
        } else {
          values[argument.name] = read.value;
        }
      });
      if (errors.length) {
        showError(errors.join(" "), invalid);
        return;
      }
      var result;
      try {
        result = breakdown(chosen, values);
      } catch (error) {
        showError(error instanceof RangeError ? error.message + "." : "These sizes cannot be counted.", []);
        return;
      }
      if (!Number.isSafeInteger(result.total) || !result.weights.concat(result.buffers).every(function (weight) { return Number.isSafeInteger(weight.count); }) ||
          (result.multAdds !== null && !Number.isSafeInteger(2 * result.multAdds))) {
        showError("That many parameters cannot be counted exactly here: try lstmdoc count.", []);
        return;
      }
      body.replaceChildren();
      result.weights.concat(result.buffers).forEach(function (weight) {
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
      equation.textContent = result.formula + " = " + result.substituted + " = " + grouped(result.total);
      code.textContent = result.call;
      cost.textContent = costLine(result);
      cost.hidden = cost.textContent === "";
      total.textContent = grouped(result.total);
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
    if (form && window.lstmdocFamilies) {
      setUp(form, window.lstmdocFamilies);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
