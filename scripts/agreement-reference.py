#!/usr/bin/env python3
"""Produce app/src/domain/agreement/reference_cases.json: expected values from reference libraries.

The Rust module `agreement` must reproduce scikit-learn, the `krippendorff` PyPI
package and statsmodels to 1e-9. This script builds named cases (seeded random
ones plus edge cases), computes the reference values and writes raw inputs with
expected outputs. NaN (an undefined statistic) is written as null.

Usage:
    python3 scripts/agreement-reference.py            # sets up /tmp/agreement-venv if needed
    python3 scripts/agreement-reference.py --no-venv  # use the current interpreter as is
"""

import json
import math
import os
import subprocess
import sys
import warnings

VENV = "/tmp/agreement-venv"
PACKAGES = ["scikit-learn", "krippendorff", "numpy", "statsmodels"]
HERE = os.path.dirname(os.path.abspath(__file__))
OUTPUT = os.path.join(HERE, "..", "app", "src", "domain", "agreement", "reference_cases.json")


def ensure_venv():
    """Re-run this script inside a venv that has the reference libraries."""
    if "--no-venv" in sys.argv or os.environ.get("AGREEMENT_IN_VENV") == "1":
        return
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        subprocess.check_call([sys.executable, "-m", "venv", VENV])
        subprocess.check_call([python, "-m", "pip", "install", "-q", *PACKAGES])
    env = dict(os.environ, AGREEMENT_IN_VENV="1")
    os.execve(python, [python, os.path.abspath(__file__), *sys.argv[1:]], env)


ensure_venv()

import krippendorff  # noqa: E402
import numpy as np  # noqa: E402
import sklearn  # noqa: E402
import statsmodels  # noqa: E402
from sklearn.metrics import (  # noqa: E402
    accuracy_score,
    cohen_kappa_score,
    precision_recall_fscore_support,
)
from statsmodels.stats.proportion import proportion_confint  # noqa: E402

warnings.simplefilter("ignore")


def clean(value):
    """NaN/inf and failures become null so Rust can compare None against them."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def guarded(compute):
    """sklearn/krippendorff raise on degenerate input (e.g. empty): that is 'undefined'."""
    try:
        return clean(compute())
    except (ValueError, ZeroDivisionError):
        return None


# ---------------------------------------------------------------- classification

def classification_case(name, classes, positive, human, judge):
    labels = list(range(classes))  # graded scales keep absent grades as distance

    def prf(zero_division):
        def compute(index):
            if len(human) == 0:
                return None
            # labels=[positive] with average=None is exactly the binary view of
            # `average='binary', pos_label=positive`, but also accepts k > 2.
            result = precision_recall_fscore_support(
                human, judge, labels=[positive], average=None, zero_division=zero_division
            )
            return result[index][0]

        return [guarded(lambda i=i: compute(i)) for i in range(3)]

    precision, recall, f1 = prf(np.nan)
    precision0, recall0, f10 = prf(0)
    if classes == 2 and len(human) > 0:
        # Cross-check the binary path explicitly against average='binary'.
        binary = precision_recall_fscore_support(
            human, judge, average="binary", pos_label=positive, zero_division=0
        )
        assert [clean(v) for v in binary[:3]] == [precision0, recall0, f10], name

    def kappa(weights):
        return guarded(lambda: cohen_kappa_score(human, judge, labels=labels, weights=weights))

    return {
        "name": name,
        "classes": classes,
        "positive": positive,
        "human": list(map(int, human)),
        "judge": list(map(int, judge)),
        "accuracy": guarded(lambda: accuracy_score(human, judge)) if human else None,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "precision_zero_division_0": precision0,
        "recall_zero_division_0": recall0,
        "f1_zero_division_0": f10,
        "kappa": kappa(None),
        "kappa_linear": kappa("linear"),
        "kappa_quadratic": kappa("quadratic"),
    }


def noisy_judge(rng, human, classes, agree, graded):
    """Judge that agrees with probability `agree`, else errs (by one grade if graded)."""
    judge = []
    for h in human:
        if rng.random() < agree:
            judge.append(h)
        elif graded:
            step = rng.choice([-1, 1])
            judge.append(min(classes - 1, max(0, h + step)))
        else:
            judge.append(int(rng.integers(classes)))
    return judge


def classification_cases():
    rng = np.random.default_rng(20240611)
    cases = []
    for n, agree in [(20, 0.7), (500, 0.85), (2000, 0.9)]:
        human = list(rng.integers(0, 2, n))
        cases.append(classification_case(f"random binary n={n}", 2, 1, human, noisy_judge(rng, human, 2, agree, False)))
    for classes, n in [(3, 300), (4, 1000), (4, 37)]:
        human = list(rng.integers(0, classes, n))
        judge = noisy_judge(rng, human, classes, 0.75, True)
        cases.append(classification_case(f"random graded {classes}-class n={n}", classes, classes - 1, human, judge))
    human = list(rng.integers(0, 3, 200))
    cases.append(classification_case("random nominal 3-class n=200", 3, 0, human, noisy_judge(rng, human, 3, 0.6, False)))
    cases += [
        classification_case("one class only, positive", 2, 1, [1] * 8, [1] * 8),
        classification_case("one class only, negative", 2, 1, [0] * 8, [0] * 8),
        classification_case("no disagreement", 2, 1, [0, 1, 1, 0, 1, 0, 0, 1], [0, 1, 1, 0, 1, 0, 0, 1]),
        classification_case("no disagreement 4-class", 4, 3, [0, 1, 2, 3, 3, 2], [0, 1, 2, 3, 3, 2]),
        classification_case("all wrong", 2, 1, [0, 1, 1, 0, 1, 0], [1, 0, 0, 1, 0, 1]),
        classification_case("empty positive predictions", 2, 1, [1, 0, 1, 0, 0], [0, 0, 0, 0, 0]),
        classification_case("no positive references", 2, 1, [0, 0, 0, 0], [1, 0, 1, 0]),
        classification_case("judge constant, human varies", 2, 1, [0, 1, 1, 0, 1], [1, 1, 1, 1, 1]),
        classification_case("graded with absent middle grade", 4, 3, [0, 3, 3, 0, 1, 0, 3, 1], [0, 3, 1, 0, 1, 3, 3, 0]),
        classification_case("single verdict", 2, 1, [1], [0]),
        classification_case("empty", 2, 1, [], []),
    ]
    return cases


# ---------------------------------------------------------------- krippendorff

def alpha_case(name, classes, ratings):
    """ratings: units x coders, None = missing."""
    coders_by_units = np.array(
        [[np.nan if r is None else float(r) for r in unit] for unit in ratings], dtype=float
    ).T if ratings else np.zeros((0, 0))

    def alpha(level):
        return guarded(lambda: krippendorff.alpha(reliability_data=coders_by_units, level_of_measurement=level))

    return {
        "name": name,
        "classes": classes,
        "ratings": ratings,
        "nominal": alpha("nominal"),
        "ordinal": alpha("ordinal"),
        "interval": alpha("interval"),
    }


def random_ratings(rng, units, coders, classes, missing, agree):
    ratings = []
    for _ in range(units):
        truth = int(rng.integers(classes))
        unit = []
        for _ in range(coders):
            if rng.random() < missing:
                unit.append(None)
            elif rng.random() < agree:
                unit.append(truth)
            else:
                unit.append(int(min(classes - 1, max(0, truth + rng.choice([-1, 1])))))
        ratings.append(unit)
    return ratings


def alpha_cases():
    rng = np.random.default_rng(7)
    # The example from the krippendorff package docs (values 1..4; 5 classes so the index is the value).
    m = None
    doc_example = [
        [m, 1, m], [m, m, m], [m, 2, 2], [m, 1, 1], [m, 3, 3], [3, 3, 4], [4, 4, 4], [1, 3, m],
        [2, m, 2], [1, m, 1], [1, m, 1], [3, m, 3], [3, m, 3], [m, m, m], [3, m, 4],
    ]
    cases = [alpha_case("krippendorff package doc example", 5, doc_example)]
    for units, coders, classes, missing in [(30, 3, 4, 0.2), (200, 4, 5, 0.3), (1000, 2, 2, 0.0), (60, 5, 3, 0.5)]:
        name = f"random {units} units x {coders} coders, {classes} classes, {int(missing * 100)}% missing"
        cases.append(alpha_case(name, classes, random_ratings(rng, units, coders, classes, missing, 0.7)))
    cases += [
        alpha_case("units with a single annotation are ignored", 3, [[0, 0], [1, None], [2, 2], [None, 0], [1, 2], [None, None]]),
        alpha_case("perfect agreement", 3, [[0, 0, 0], [1, 1, None], [2, 2, 2]]),
        alpha_case("one value overall", 3, [[1, 1], [1, 1], [1, None]]),
        alpha_case("one pairable value, another only in a lone unit", 3, [[1, 1], [1, 1], [2, None]]),
        alpha_case("no pairable unit", 3, [[0, None], [None, 1], [2, None]]),
        alpha_case("ordinal differs from nominal", 4, [[0, 1], [1, 1], [2, 3], [3, 3], [0, 0], [1, 2], [3, 0]]),
        alpha_case("unused middle values", 5, [[0, 4, None], [0, 0, None], [4, 4, 4], [0, 4, 4], [4, 0, None]]),
    ]
    return cases


# ---------------------------------------------------------------- pairwise

def pairwise_case():
    rng = np.random.default_rng(99)
    min_shared = 10
    ratings = []
    # Annotator 3 sees few items so one pair falls under `min_shared`.
    for item in range(60):
        truth = int(rng.integers(3))
        for annotator, coverage in [(1, 0.9), (2, 0.7), (3, 0.12), (5, 0.8)]:
            if rng.random() < coverage:
                label = truth if rng.random() < 0.75 else int(rng.integers(3))
                ratings.append([item, annotator, label])
    by_annotator = {}
    for item, annotator, label in ratings:
        by_annotator.setdefault(annotator, {})[item] = label
    pairs = []
    annotators = sorted(by_annotator)
    for i, a in enumerate(annotators):
        for b in annotators[i + 1:]:
            shared = sorted(set(by_annotator[a]) & set(by_annotator[b]))
            if len(shared) < min_shared:
                continue
            ya = [by_annotator[a][s] for s in shared]
            yb = [by_annotator[b][s] for s in shared]
            kappa = guarded(lambda: cohen_kappa_score(ya, yb, labels=[0, 1, 2]))
            pairs.append({"annotator_a": a, "annotator_b": b, "shared_items": len(shared), "kappa": kappa})
    return {"name": "random 4 annotators, 3 classes", "classes": 3, "min_shared": min_shared, "ratings": ratings, "pairs": pairs}


# ---------------------------------------------------------------- weighted (stream-wide)

def weighted_case(name, classes, positive, human, judge, weight):
    """Design-weighted statistics, as scikit-learn computes them with `sample_weight`, and the
    Wilson interval of the weighted accuracy at Kish's effective sample size."""
    labels = list(range(classes))
    w = np.asarray(weight, dtype=float)

    def prf(index):
        result = precision_recall_fscore_support(
            human, judge, labels=[positive], average=None, zero_division=np.nan, sample_weight=w
        )
        return guarded(lambda: result[index][0])

    def kappa(weights):
        return guarded(
            lambda: cohen_kappa_score(human, judge, labels=labels, weights=weights, sample_weight=w)
        )

    accuracy = accuracy_score(human, judge, sample_weight=w)
    effective_n = w.sum() ** 2 / (w * w).sum()
    lower, upper = proportion_confint(accuracy * effective_n, effective_n, alpha=0.05, method="wilson")
    return {
        "name": name,
        "classes": classes,
        "positive": positive,
        "human": list(map(int, human)),
        "judge": list(map(int, judge)),
        "weight": [float(x) for x in w],
        "accuracy": clean(accuracy),
        "precision": prf(0),
        "recall": prf(1),
        "f1": prf(2),
        "kappa": kappa(None),
        "kappa_linear": kappa("linear"),
        "kappa_quadratic": kappa("quadratic"),
        "effective_n": clean(effective_n),
        "accuracy_lower": clean(lower),
        "accuracy_upper": clean(upper),
    }


def weighted_cases():
    """Streams routed as cojudge routes them: a census of unsure items (weight 1, a weaker judge
    there) and audits of the confident items at 5% and, after a rubric change, 10%."""
    rng = np.random.default_rng(20261207)
    cases = []
    for name, classes, graded in [("binary stream", 2, False), ("graded 3-label stream", 3, True)]:
        human, judge, weight = [], [], []
        for stratum_weight, items, agree in [(1.0, 300, 0.7), (20.0, 40, 0.95), (10.0, 25, 0.9)]:
            truth = [int(x) for x in rng.integers(classes, size=items)]
            human += truth
            judge += noisy_judge(rng, truth, classes, agree, graded)
            weight += [stratum_weight] * items
        cases.append(weighted_case(name, classes, 0, human, judge, weight))
    cases.append(weighted_case("one stratum equals unweighted", 2, 0, [0, 0, 1, 1, 0], [0, 1, 1, 0, 0], [1.0] * 5))
    return cases


# ---------------------------------------------------------------- paired (McNemar)

def mcnemar_cases():
    """Exact two-sided McNemar p-values of two judges on the same items (statsmodels)."""
    from statsmodels.stats.contingency_tables import mcnemar

    cases = []
    for both_right, only_current, only_candidate, both_wrong in [
        (80, 2, 12, 6), (50, 5, 5, 0), (10, 0, 10, 0), (0, 0, 0, 3), (900, 37, 61, 2),
        (5000, 4000, 4300, 700), (3, 1, 0, 0),
    ]:
        table = [[both_right, only_current], [only_candidate, both_wrong]]
        cases.append({
            "both_right": both_right, "only_current": only_current,
            "only_candidate": only_candidate, "both_wrong": both_wrong,
            "p_value": clean(mcnemar(table, exact=True).pvalue),
        })
    return cases


# ---------------------------------------------------------------- wilson

def wilson_cases():
    cases = []
    for successes, n in [(0, 10), (10, 10), (5, 10), (1, 1), (0, 1), (37, 120), (999, 1000), (123456, 1000000), (3, 7), (0, 0)]:
        if n == 0:
            lower = upper = None  # statsmodels divides by zero; we return None
        else:
            lower, upper = proportion_confint(successes, n, alpha=0.05, method="wilson")
        cases.append({"successes": successes, "n": n, "lower": clean(lower), "upper": clean(upper)})
    return cases


def main():
    document = {
        "generated_by": "scripts/agreement-reference.py",
        "libraries": {
            "python": sys.version.split()[0],
            "scikit-learn": sklearn.__version__,
            "krippendorff": getattr(krippendorff, "__version__", None) or _dist_version("krippendorff"),
            "numpy": np.__version__,
            "statsmodels": statsmodels.__version__,
        },
        "classification": classification_cases(),
        "krippendorff": alpha_cases(),
        "pairwise": pairwise_case(),
        "wilson": wilson_cases(),
        "weighted": weighted_cases(),
        "mcnemar": mcnemar_cases(),
    }
    with open(OUTPUT, "w") as handle:
        json.dump(document, handle, indent=1)
        handle.write("\n")
    print(f"wrote {os.path.normpath(OUTPUT)}")


def _dist_version(name):
    from importlib.metadata import version

    return version(name)


if __name__ == "__main__":
    main()
