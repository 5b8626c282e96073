"""Measure what contributors and readers wait for, side by side in one run.

Run it with ``python -m nox -s bench`` (or ``python benchmarks/bench.py --help``).
Every figure is the median of ``--runs`` runs; each comparison is measured in the
same run on the same machine, so the ratios hold even where absolute times do not.
The figures are printed as a table and written as JSON; when a previous JSON file
exists, the change against it is printed too.

The site's promise is a cold build in at most 0.8 times the seed script
(``benchmarks/original_script.py``), on two idle cores. A cold build starts with
no ``docs/_build``: no executed page and no trained weights are kept from an earlier
build. The script and the cold build are timed as pairs, one after the other; each
pair is printed with the load average before it, every page's execution time is
listed from jupyter-cache's records, and a pair is marked busy where the machine
was: where other processes took more than ``BUSY_SHARE`` of the cores while it ran
(measured on Linux, from ``/proc/stat`` less this benchmark's own processes), or the
script ran slower than its best time in this run by more than ``BUSY_SLOWDOWN``.
The load average is printed too, but the benchmark's own last build weighs on it.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
QUIET = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONHASHSEED": "0"}
#: The cold build's promised ceiling, as a share of the seed script's time (issue 18).
PROMISE = 0.8
#: Other processes taking more than this share of the cores during a pair: a busy machine.
BUSY_SHARE = 0.1
#: The seed script this much slower than its best time in the run means the same.
BUSY_SLOWDOWN = 1.1


def timed(command: list[str], *, cwd: Path = ROOT) -> float:
    """Run ``command`` and return its wall time in seconds; fail loudly if it fails."""
    start = time.perf_counter()
    result = subprocess.run(
        command, cwd=cwd, env=QUIET, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"benchmark command failed: {' '.join(command)}\n{result.stdout}{result.stderr}")
    return elapsed


def median_of(runs: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(runs))


class SiteBuild:
    """A copy of the docs in a temporary folder, built the way ``nox -s docs`` builds them.

    The copy keeps the measurement away from the contributor's own build and cache.
    """

    def __init__(self, workspace: Path, processes: str = "auto") -> None:
        self.workspace = workspace
        self.processes = processes
        self.source = workspace / "docs"
        if self.workspace.exists():
            shutil.rmtree(self.workspace)
        shutil.copytree(ROOT / "docs", self.source, ignore=shutil.ignore_patterns("_build"))
        shutil.copy(ROOT / "README.md", workspace / "README.md")

    def build(self, *options: str) -> float:
        build = self.source / "_build"
        return timed(
            [
                sys.executable,
                "-m",
                "sphinx",
                "-n",
                "-W",
                "--keep-going",
                "-j",
                self.processes,
                "-q",
                *options,
                "-d",
                str(build / "doctrees"),
                "-b",
                "html",
                str(self.source),
                str(build / "html"),
            ],
            cwd=self.workspace,
        )

    def reuse_execution_cache(self) -> None:
        """Start from the contributor's executed pages, where their libraries are these."""
        cache = ROOT / "docs" / "_build" / ".jupyter_cache"
        if cache.is_dir():
            shutil.copytree(cache, self.source / "_build" / ".jupyter_cache")

    def clean(self) -> None:
        shutil.rmtree(self.source / "_build", ignore_errors=True)

    def edit_one_page(self, page: str) -> None:
        """Add a code cell to ``page`` so that it, and only it, must execute again."""
        path = self.source / page
        path.write_text(path.read_text() + "\n```{code-cell} ipython3\n_ = 'benchmark edit'\n```\n")


def page_times(site: SiteBuild) -> dict[str, float]:
    """Each page's execution time in the last build, in seconds, from jupyter-cache's records."""
    from jupyter_cache import get_cache

    times: dict[str, float] = {}
    for folder in (site.source / "_build" / ".jupyter_cache").iterdir():
        if not folder.is_dir():
            continue
        for record in get_cache(str(folder)).list_cache_records():
            page = Path(record.uri).relative_to(site.source).as_posix()
            times[page] = float(record.data.get("execution_seconds", 0.0))
    return times


def load_average() -> float:
    """The one-minute load average per core; 0 where the system does not report one."""
    try:
        return os.getloadavg()[0] / (os.cpu_count() or 1)
    except OSError:
        return 0.0


def busy_cpu_seconds() -> float | None:
    """CPU seconds that every process on the machine has spent since boot; None off Linux."""
    try:
        first_line = Path("/proc/stat").read_text().split("\n", 1)[0]
    except OSError:
        return None
    # cpu user nice system idle iowait irq softirq steal ...: all but idle and iowait.
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, first_line.split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """CPU seconds of this process and of its finished children (the builds, the kernels)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def others_share(measure: Callable[[], float]) -> tuple[float, float | None]:
    """Run ``measure``; return its result and the share of the cores other processes took."""
    busy_before, own_before, start = busy_cpu_seconds(), own_cpu_seconds(), time.perf_counter()
    result = measure()
    busy_after, own_after = busy_cpu_seconds(), own_cpu_seconds()
    if busy_before is None or busy_after is None:
        return result, None
    others = (busy_after - busy_before) - (own_after - own_before)
    capacity = (time.perf_counter() - start) * (os.cpu_count() or 1)
    return result, max(others, 0.0) / capacity


def measure_site(
    runs: int, page: str, processes: str
) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """Time the seed script and a cold build as pairs, then the two rebuilds.

    Returns the medians, and each pair: its times, load averages and page times.
    """
    script = [sys.executable, str(ROOT / "benchmarks" / "original_script.py")]
    pairs: list[dict[str, Any]] = []
    unchanged, edited = [], []
    with tempfile.TemporaryDirectory(prefix="lstmdoc-bench-") as folder:
        site = SiteBuild(Path(folder) / "site", processes)
        for _ in range(runs):
            pair: dict[str, Any] = {"load_before_script": load_average()}
            pair["script_s"], pair["others_during_script"] = others_share(lambda: timed(script))
            site.clean()  # cold: no executed pages, no trained weights
            pair["load_before_build"] = load_average()
            pair["cold_build_s"], pair["others_during_build"] = others_share(site.build)
            pair["pages_s"] = page_times(site)
            pairs.append(pair)
            unchanged.append(site.build())
            site.edit_one_page(page)
            edited.append(site.build())
    figures = {
        "original_1500_epoch_script_s": statistics.median(pair["script_s"] for pair in pairs),
        "site_cold_build_s": statistics.median(pair["cold_build_s"] for pair in pairs),
        "site_rebuild_unchanged_s": statistics.median(unchanged),
        "site_rebuild_one_page_edited_s": statistics.median(edited),
    }
    return figures, pairs


def report_pairs(pairs: list[dict[str, Any]]) -> str:
    """The pairs one by one, the ratio's spread, the machine's business, and every page's time."""
    best_script = min(pair["script_s"] for pair in pairs)
    lines = [
        f"{'pair':<5} {'script':>8} {'cold build':>11} {'ratio':>6} {'load/core':>10}  machine",
    ]
    quiet_ratios, ratios = [], []
    for number, pair in enumerate(pairs, start=1):
        ratio = pair["cold_build_s"] / pair["script_s"]
        ratios.append(ratio)
        load = max(pair["load_before_script"], pair["load_before_build"])
        reasons = []
        shares = [pair["others_during_script"], pair["others_during_build"]]
        if any(share is not None and share > BUSY_SHARE for share in shares):
            taken = max(share for share in shares if share is not None)
            reasons.append(f"other processes took {taken:.0%} of the cores")
        if pair["script_s"] > BUSY_SLOWDOWN * best_script:
            reasons.append(f"script {pair['script_s'] / best_script:.2f}x its best")
        if not reasons:
            quiet_ratios.append(ratio)
        lines.append(
            f"{number:<5} {pair['script_s']:>7.1f}s {pair['cold_build_s']:>10.1f}s {ratio:>6.2f} "
            f"{load:>10.2f}  {'busy: ' + ', '.join(reasons) if reasons else 'idle'}"
        )
    lines.append(
        f"cold build / seed script: median {statistics.median(ratios):.2f}, "
        f"spread {min(ratios):.2f} to {max(ratios):.2f} over {len(ratios)} pairs"
    )
    if quiet_ratios:
        verdict = "kept" if statistics.median(quiet_ratios) <= PROMISE else "BROKEN"
        lines.append(
            f"promise (at most {PROMISE} on an idle machine): {verdict}, "
            f"median of {len(quiet_ratios)} idle pairs {statistics.median(quiet_ratios):.2f}"
        )
    else:
        lines.append(f"promise (at most {PROMISE} on an idle machine): not judged, no idle pair")
    pages = sorted({page for pair in pairs for page in pair["pages_s"]})
    medians = {
        page: statistics.median(pair["pages_s"].get(page, 0.0) for pair in pairs) for page in pages
    }
    total = sum(medians.values()) or 1.0
    lines += [
        "",
        f"{'page (execution, median of the cold builds)':<48} {'seconds':>8} {'share':>6}",
    ]
    for page, seconds in sorted(medians.items(), key=lambda item: -item[1]):
        lines.append(f"{page:<48} {seconds:>8.2f} {seconds / total:>6.0%}")
    lines.append(f"{'all pages (kernel time, summed over cores)':<48} {total:>8.2f}")
    return "\n".join(lines)


def measure_prune(runs: int, processes: str) -> dict[str, float]:
    """Time the build's last step alone: pruning the stylesheets (tinycss2), subsetting the fonts.

    The site is built once unpruned (-D lighter_prune=0); each run prunes a fresh copy.
    """
    sys.path.insert(0, str(ROOT / "docs" / "_ext"))  # where conf.py finds the extension
    prune_site = importlib.import_module("lighter").prune_site

    with tempfile.TemporaryDirectory(prefix="lstmdoc-bench-") as folder:
        site = SiteBuild(Path(folder) / "site", processes)
        site.reuse_execution_cache()
        site.build("-D", "lighter_prune=0")
        unpruned = site.source / "_build" / "html"

        def prune() -> float:
            copy = Path(folder) / "pruned"
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(unpruned, copy)
            start = time.perf_counter()
            problems = prune_site(copy)
            elapsed = time.perf_counter() - start
            if problems:
                sys.exit(f"pruning failed: {problems}")
            return elapsed

        return {"site_prune_stylesheets_and_fonts_s": median_of(runs * 3, prune)}


def measure_forward(runs: int) -> dict[str, float]:
    """Time lstmdoc.lstm_forward against Keras' predict on the tutorial's LSTM layer."""
    os.environ.update({"TF_CPP_MIN_LOG_LEVEL": "3"})
    import keras
    import numpy as np

    import lstmdoc

    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(20, 1))
    model = keras.Model(inputs, keras.layers.LSTM(20, activation="relu")(inputs))
    weights = model.layers[1].get_weights()
    figures = {}
    for batch in (1, 1024):
        x = np.random.default_rng(0).uniform(0, 380, size=(batch, 20, 1)).astype("float32")
        model.predict(x, verbose=0)  # trace the graph once, outside the timing

        def numpy_pass(x: Any = x) -> float:
            start = time.perf_counter()
            lstmdoc.lstm_forward(x, *weights, activation="relu")
            return time.perf_counter() - start

        def keras_pass(x: Any = x, batch: int = batch) -> float:
            start = time.perf_counter()
            model.predict(x, verbose=0, batch_size=batch)
            return time.perf_counter() - start

        figures[f"lstm_forward_batch{batch}_ms"] = 1000 * median_of(runs * 5, numpy_pass)
        figures[f"keras_predict_batch{batch}_ms"] = 1000 * median_of(runs * 5, keras_pass)
    return figures


def measure_cli(runs: int) -> dict[str, float]:
    """Time the two commands against importing TensorFlow, which they never do."""
    lstmdoc = shutil.which("lstmdoc", path=str(Path(sys.executable).parent)) or "lstmdoc"
    count = [lstmdoc, "count", "lstm", "--units", "20", "--features", "1"]
    # The worked example as saved by Keras: explain reads its config.json and, with
    # h5py, the shapes in its weights file.
    explain = [lstmdoc, "explain", str(ROOT / "tests" / "data" / "tutorial.keras")]
    figures: dict[str, list[float]] = {
        "import_tensorflow_s": [],
        "cli_count_s": [],
        "cli_explain_s": [],
    }
    for _ in range(runs * 3):  # interleaved, so that a busy moment weighs on all three
        figures["import_tensorflow_s"].append(timed([sys.executable, "-c", "import tensorflow"]))
        figures["cli_count_s"].append(timed(count))
        figures["cli_explain_s"].append(timed(explain))
    return {name: statistics.median(times) for name, times in figures.items()}


def _safetensors(path: Path, megabytes: int) -> Path:
    """A safetensors file of about ``megabytes`` MB: a header, then zeros (a sparse file)."""
    count = megabytes * 2**20 // 4 // 64
    header = {
        f"layers.{index}.weight": {
            "dtype": "F32",
            "shape": [count],
            "data_offsets": [index * count * 4, (index + 1) * count * 4],
        }
        for index in range(64)
    }
    text = json.dumps(header).encode()
    with path.open("wb") as file:
        file.write(len(text).to_bytes(8, "little") + text)
        file.truncate(8 + len(text) + 64 * count * 4)
    return path


def measure_files(runs: int) -> dict[str, float]:
    """Time lstmdoc explain on big files against small ones: the time must not grow with size.

    ResNet50 (98 MB, built with weights=None) against the tutorial's 2,180-parameter
    model, and a 100 MB safetensors file against a 1 KB one, all written here.
    """
    import keras

    lstmdoc = shutil.which("lstmdoc", path=str(Path(sys.executable).parent)) or "lstmdoc"
    with tempfile.TemporaryDirectory(prefix="lstmdoc-bench-") as folder:
        resnet = Path(folder) / "resnet50.keras"
        keras.applications.ResNet50(weights=None).save(resnet)
        files = {
            "cli_explain_tutorial_keras_s": ROOT / "tests" / "data" / "tutorial.keras",
            "cli_explain_resnet50_keras_s": resnet,
            "cli_explain_tiny_safetensors_s": _safetensors(Path(folder) / "tiny.safetensors", 0),
            "cli_explain_100mb_safetensors_s": _safetensors(Path(folder) / "big.safetensors", 100),
        }
        times: dict[str, list[float]] = {name: [] for name in files}
        for _ in range(runs * 3):  # interleaved, so that a busy moment weighs on all
            for name, path in files.items():
                times[name].append(timed([lstmdoc, "explain", str(path)]))
    return {name: statistics.median(values) for name, values in times.items()}


def measure_original_script(runs: int) -> dict[str, float]:
    script = [sys.executable, str(ROOT / "benchmarks" / "original_script.py")]
    return {"original_1500_epoch_script_s": median_of(runs, lambda: timed(script))}


RATIOS = [
    (
        "cold site build / original 1,500-epoch script",
        "site_cold_build_s",
        "original_1500_epoch_script_s",
    ),
    ("unchanged rebuild / cold build", "site_rebuild_unchanged_s", "site_cold_build_s"),
    (
        "pruning / unchanged rebuild",
        "site_prune_stylesheets_and_fonts_s",
        "site_rebuild_unchanged_s",
    ),
    ("one page edited rebuild / cold build", "site_rebuild_one_page_edited_s", "site_cold_build_s"),
    ("lstmdoc count / import tensorflow", "cli_count_s", "import_tensorflow_s"),
    # Target: at most 0.1 (issue 11).
    ("lstmdoc explain model.keras / import tensorflow", "cli_explain_s", "import_tensorflow_s"),
    # Target: at most 2 (issue 21): the time does not grow with the weights' size.
    (
        "explain ResNet50 .keras / tutorial .keras",
        "cli_explain_resnet50_keras_s",
        "cli_explain_tutorial_keras_s",
    ),
    (
        "explain 100 MB .safetensors / 1 KB .safetensors",
        "cli_explain_100mb_safetensors_s",
        "cli_explain_tiny_safetensors_s",
    ),
    ("lstm_forward / predict, 1 sample", "lstm_forward_batch1_ms", "keras_predict_batch1_ms"),
    (
        "lstm_forward / predict, 1,024 samples",
        "lstm_forward_batch1024_ms",
        "keras_predict_batch1024_ms",
    ),
]


def report(figures: dict[str, float], previous: dict[str, float]) -> str:
    lines = [f"{'figure':<34} {'median':>10} {'previous':>10} {'change':>8}"]
    for name, value in figures.items():
        before = previous.get(name)
        change = f"{value / before - 1:+.0%}" if before else ""
        before_text = f"{before:.3f}" if before else ""
        lines.append(f"{name:<34} {value:>10.3f} {before_text:>10} {change:>8}")
    lines += ["", f"{'ratio':<50} {'value':>8}"]
    for label, numerator, denominator in RATIOS:
        if numerator in figures and denominator in figures:
            lines.append(f"{label:<50} {figures[numerator] / figures[denominator]:>8.3f}")
    return "\n".join(lines)


def measure_costs(runs: int) -> dict[str, float]:
    """Time lstmdoc.explain, with its mult-adds and memory, against model.summary().

    Both on the same live models, interleaved: the tutorial's and ResNet50 (built with
    weights=None, 177 layers), its optimizer built, so that every figure is computed.
    The ratio says what the derivation costs beside what Keras prints.
    """
    os.environ.update({"TF_CPP_MIN_LOG_LEVEL": "3"})
    import io

    import keras

    import lstmdoc

    tutorial = keras.Sequential(
        [keras.Input((20, 1)), keras.layers.LSTM(20, activation="relu"), keras.layers.Dense(20)]
    )
    models = {"tutorial": tutorial, "resnet50": keras.applications.ResNet50(weights=None)}
    figures: dict[str, float] = {}
    for name, model in models.items():
        model.compile(optimizer="adam", loss="mse")
        model.optimizer.build(model.trainable_variables)

        def explained(model: Any = model) -> float:
            start = time.perf_counter()
            report = lstmdoc.explain(model)
            (report.mult_adds, report.memory, report.to_dict())
            return time.perf_counter() - start

        def summarised(model: Any = model) -> float:
            start = time.perf_counter()
            model.summary(print_fn=lambda line, **_: io.StringIO().write(line))
            return time.perf_counter() - start

        explained()  # the first call imports lstmdoc's Keras rules
        times: dict[str, list[float]] = {"explain": [], "summary": []}
        for _ in range(runs * 3):  # interleaved, so that a busy moment weighs on both
            times["explain"].append(explained())
            times["summary"].append(summarised())
        explain_s, summary_s = (statistics.median(times[key]) for key in ("explain", "summary"))
        figures[f"explain_{name}_ms"] = 1000 * explain_s
        figures[f"summary_{name}_ms"] = 1000 * summary_s
        figures[f"explain_over_summary_{name}"] = explain_s / summary_s
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (default: 3)")
    parser.add_argument(
        "--only",
        choices=["site", "prune", "original", "cli", "files", "forward", "costs"],
        action="append",
        help="measure only these groups (default: all)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=ROOT / "benchmarks" / "results.json",
        help="where to write the figures (default: benchmarks/results.json)",
    )
    parser.add_argument(
        "--page",
        default="tutorial/memorise-a-sequence.md",
        help="the page edited for the one-page rebuild (relative to docs/)",
    )
    parser.add_argument(
        "--processes",
        default="auto",
        help="sphinx-build -j for the site's builds (nox -s bench passes nox -s docs' own)",
    )
    arguments = parser.parse_args(argv)
    if arguments.runs < 1:
        parser.error(f"--runs must be at least 1, got {arguments.runs}")
    groups = arguments.only or ["site", "prune", "original", "cli", "files", "forward", "costs"]
    previous: dict[str, float] = {}
    if arguments.json.exists():
        previous = json.loads(arguments.json.read_text()).get("figures", {})

    figures: dict[str, float] = {}
    pairs: list[dict[str, Any]] = []
    if "site" in groups:  # the seed script is timed with the site, in pairs
        site_figures, pairs = measure_site(arguments.runs, arguments.page, arguments.processes)
        figures |= site_figures
    elif "original" in groups:
        figures |= measure_original_script(arguments.runs)
    if "prune" in groups:
        figures |= measure_prune(arguments.runs, arguments.processes)
    if "cli" in groups:
        figures |= measure_cli(arguments.runs)
    if "files" in groups:
        figures |= measure_files(arguments.runs)
    if "forward" in groups:
        figures |= measure_forward(arguments.runs)
    if "costs" in groups:
        figures |= measure_costs(arguments.runs)

    if pairs:
        print(report_pairs(pairs), end="\n\n")
    print(report(figures, previous))
    arguments.json.write_text(
        json.dumps(
            {
                "machine": {
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                },
                "runs": arguments.runs,
                # The last run's pairs of seed script and cold build, with every page's time.
                **({"pairs": pairs} if pairs else {}),
                # Groups not measured this time keep their previous figures.
                "figures": {name: round(value, 4) for name, value in (previous | figures).items()},
            },
            indent=2,
        )
        + "\n"
    )
    print(f"\nfigures written to {arguments.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
