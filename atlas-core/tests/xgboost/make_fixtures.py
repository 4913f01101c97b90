"""Train small XGBoost models on synthetic spend data and record XGBoost's own predictions.

Usage:
    python make_fixtures.py fixtures OUT_DIR   # the models, inputs and predictions of the tests
    python make_fixtures.py example OUT_DIR    # the models of examples/xgboost

The `fixtures` mode writes manifest.json last, so a folder that has it is complete. Every
prediction comes from a Booster loaded back from the saved JSON file, so it is the model that
Atlas reads. Values are written with repr(), which round-trips float64 exactly.
"""

import json
import math
import sys
from pathlib import Path

import numpy as np
import xgboost as xgb

FEATURES = ["search_spend", "social_spend", "tv_spend", "price", "week", "promo"]
CHANNELS = {"search": "search_spend", "social": "social_spend", "tv": "tv_spend"}
CONTEXT = {"price": 9.99, "week": 23.0}
MISSING = ["promo"]
SPEND_MAX = {"search_spend": 50_000.0, "social_spend": 30_000.0, "tv_spend": 80_000.0}
SEED = 7


def hill(x, half):
    return x / (x + half)


def synthetic_data(rng, rows):
    """Return features with NaN gaps and the mean revenue behind them."""
    x = np.empty((rows, len(FEATURES)))
    for column, name in enumerate(FEATURES[:3]):
        x[:, column] = rng.uniform(0.0, SPEND_MAX[name], rows)
    x[:, 3] = rng.uniform(8.0, 12.0, rows)
    x[:, 4] = rng.integers(1, 53, rows).astype(float)
    x[:, 5] = rng.integers(0, 2, rows).astype(float)
    filled = x.copy()
    # Gaps make XGBoost learn a default direction at the splits on these features.
    x[rng.random(rows) < 0.10, 1] = np.nan
    x[rng.random(rows) < 0.05, 3] = np.nan
    x[rng.random(rows) < 0.30, 5] = np.nan
    revenue = (
        20_000.0
        + 60_000.0 * hill(filled[:, 0], 20_000.0)
        + 30_000.0 * hill(filled[:, 1], 10_000.0)
        + 50_000.0 * hill(filled[:, 2], 40_000.0)
        - 3_000.0 * (filled[:, 3] - 10.0)
        + 2_000.0 * np.sin(2.0 * math.pi * filled[:, 4] / 52.0)
        + 5_000.0 * filled[:, 5]
    )
    return x, revenue


def labels(objective, revenue, rng):
    """Return training labels that suit `objective`, drawn around the mean revenue."""
    noisy = revenue * rng.normal(1.0, 0.05, revenue.size)
    if objective in ("reg:logistic",):
        return noisy / (2.0 * noisy.max())
    if objective in ("binary:logistic", "binary:logitraw"):
        margin = (revenue - np.median(revenue)) / 10_000.0
        return (rng.random(revenue.size) < 1.0 / (1.0 + np.exp(-margin))).astype(float)
    if objective == "count:poisson":
        return rng.poisson(revenue / 1_000.0).astype(float)
    if objective == "reg:tweedie":
        positive = rng.gamma(4.0, revenue / 4.0)
        return np.where(rng.random(revenue.size) < 0.2, 0.0, positive)
    if objective == "reg:gamma":
        return rng.gamma(10.0, revenue / 10.0)
    return noisy


# Training parameters by model name. Each of these models trains for ROUNDS rounds.
ROUNDS = 30
SUPPORTED = {
    "squarederror": {"objective": "reg:squarederror"},
    "absoluteerror": {"objective": "reg:absoluteerror"},
    "pseudohubererror": {"objective": "reg:pseudohubererror", "huber_slope": 20_000.0},
    "squaredlogerror": {"objective": "reg:squaredlogerror"},
    "quantileerror": {"objective": "reg:quantileerror", "quantile_alpha": 0.8},
    "logistic": {"objective": "reg:logistic"},
    "logistic_base_score": {"objective": "reg:logistic", "base_score": 0.3},
    "binary_logistic": {"objective": "binary:logistic"},
    "binary_logitraw": {"objective": "binary:logitraw"},
    "poisson": {"objective": "count:poisson"},
    "tweedie": {"objective": "reg:tweedie", "tweedie_variance_power": 1.5},
    "gamma": {"objective": "reg:gamma"},
    "dart": {"objective": "reg:squarederror", "booster": "dart", "rate_drop": 0.2},
    "forest": {
        "objective": "reg:squarederror",
        "num_parallel_tree": 4,
        "subsample": 0.8,
        "colsample_bynode": 0.8,
    },
    "unnamed": {"objective": "reg:squarederror"},
}


def train(params, x, y, rounds=ROUNDS, names=FEATURES, **matrix):
    full = {"max_depth": 4, "eta": 0.3, "seed": SEED, "nthread": 1, **params}
    dtrain = xgb.DMatrix(x, label=y, feature_names=names, **matrix)
    return xgb.train(full, dtrain, num_boost_round=rounds)


def reload(path):
    booster = xgb.Booster()
    booster.load_model(path)
    return booster


def write_rows(path, names, rows):
    with open(path, "w", encoding="utf-8") as out:
        out.write(",".join(names) + "\n")
        for row in rows:
            out.write(",".join(repr(float(v)) for v in row) + "\n")


def write_values(path, values):
    with open(path, "w", encoding="utf-8") as out:
        for value in values:
            out.write(repr(float(value)) + "\n")


def random_rows(rng, rows):
    """Return rows that reach past the training ranges, with 10 % of the values missing."""
    x = np.empty((rows, len(FEATURES)))
    for column, name in enumerate(FEATURES[:3]):
        x[:, column] = rng.uniform(0.0, 1.2 * SPEND_MAX[name], rows)
    x[:, 3] = rng.uniform(7.0, 13.0, rows)
    x[:, 4] = rng.uniform(0.0, 53.0, rows)
    x[:, 5] = rng.integers(0, 2, rows).astype(float)
    x[rng.random(x.shape) < 0.10] = np.nan
    return x


def threshold_rows(model_path, rng, limit=600):
    """Return rows that put one feature on a split threshold or next to it.

    XGBoost stores each threshold t as float32 and sends a value left when float32(value) < t.
    Each split gives three rows: t itself (right), the float64 just below t, which rounds to t
    in float32 (right), and the float32 just below t (left).
    """
    model = json.loads(Path(model_path).read_text(encoding="utf-8"))
    booster = model["learner"]["gradient_booster"]
    trees = (booster["gbtree"] if booster["name"] == "dart" else booster)["model"]["trees"]
    rows = []
    for tree in trees:
        for node, left in enumerate(tree["left_children"]):
            if left == -1:
                continue
            feature = tree["split_indices"][node]
            threshold = np.float32(tree["split_conditions"][node])
            below32 = np.nextafter(threshold, np.float32(-np.inf))
            for value in (float(threshold), np.nextafter(float(threshold), -np.inf), float(below32)):
                row = random_rows(rng, 1)[0]
                row[feature] = value
                rows.append(row)
                if len(rows) >= limit:
                    return np.array(rows)
    return np.array(rows).reshape(-1, len(FEATURES))


def allocation_rows(rng, rows):
    """Return channel spends (search, social, tv), some of them with one channel at 0."""
    spend = np.column_stack(
        [rng.uniform(0.0, 1.2 * SPEND_MAX[CHANNELS[c]], rows) for c in CHANNELS]
    )
    zero = rng.integers(-1, 3, rows)
    for row, channel in enumerate(zero):
        if channel >= 0:
            spend[row, channel] = 0.0
    return spend


def allocation_features(spend):
    """Return the model rows of allocations: the scenario's context values and NaN for promo."""
    x = np.empty((spend.shape[0], len(FEATURES)))
    x[:, :3] = spend
    x[:, 3] = CONTEXT["price"]
    x[:, 4] = CONTEXT["week"]
    x[:, 5] = np.nan
    return x


def relative_gap(a, b):
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1.0, np.abs(b))))


def make_fixtures(out):
    rng = np.random.default_rng(SEED)
    x, revenue = synthetic_data(rng, 2_000)
    spend = allocation_rows(rng, 2_000)
    write_rows(out / "allocations.csv", list(CHANNELS), spend)
    probe = random_rows(rng, 3_000)
    manifest = {
        "xgboost": xgb.__version__,
        "numpy": np.__version__,
        "channels": CHANNELS,
        "context": CONTEXT,
        "missing": MISSING,
        "allocations": "allocations.csv",
        "models": [],
        "rejected": [],
    }
    for name, params in SUPPORTED.items():
        y = labels(params["objective"], revenue, rng)
        names = None if name == "unnamed" else FEATURES
        booster = train(params, x, y, names=names)
        path = out / f"{name}.json"
        booster.save_model(path)
        loaded = reload(path)
        rows = np.vstack([probe, threshold_rows(path, rng)])
        expected = loaded.predict(xgb.DMatrix(rows, feature_names=names))
        inplace = loaded.inplace_predict(rows)
        before_save = booster.predict(xgb.DMatrix(rows, feature_names=names))
        allocations = loaded.predict(xgb.DMatrix(allocation_features(spend), feature_names=names))
        write_rows(out / f"{name}.rows.csv", names or [f"f{i}" for i in range(len(FEATURES))], rows)
        write_values(out / f"{name}.predictions.txt", expected)
        write_values(out / f"{name}.inplace.txt", inplace)
        write_values(out / f"{name}.allocations.txt", allocations)
        manifest["models"].append(
            {
                "name": name,
                "objective": params["objective"],
                "booster": params.get("booster", "gbtree"),
                "file": path.name,
                "named_features": names is not None,
                # Largest relative change of a prediction between the trained booster and the
                # one loaded back from JSON: XGBoost's own round-trip error.
                "save_load_gap": relative_gap(before_save, expected),
            }
        )

    y = revenue * rng.normal(1.0, 0.05, revenue.size)
    classes = np.digitize(revenue, np.quantile(revenue, [1 / 3, 2 / 3])).astype(float)
    rejected = {
        "multiclass": train({"objective": "multi:softprob", "num_class": 3}, x, classes, 5),
        "gblinear": train({"objective": "reg:squarederror", "booster": "gblinear"}, x, y, 5),
        "multitarget": train(
            {"objective": "reg:squarederror", "multi_strategy": "one_output_per_tree"},
            x,
            np.column_stack([y, 2.0 * y]),
            5,
        ),
        "vector_leaf": train(
            {"objective": "reg:squarederror", "multi_strategy": "multi_output_tree"},
            x,
            np.column_stack([y, 2.0 * y]),
            5,
        ),
    }
    # A categorical feature: the week as a category code.
    categorical = np.nan_to_num(x.copy(), nan=0.0)
    rejected["categorical"] = train(
        {"objective": "reg:squarederror", "max_cat_to_onehot": 1},
        categorical,
        y,
        5,
        feature_types=["q", "q", "q", "q", "c", "q"],
        enable_categorical=True,
    )
    split = 1_500
    dtrain = xgb.DMatrix(x[:split], label=y[:split], feature_names=FEATURES)
    dvalid = xgb.DMatrix(x[split:], label=y[split:], feature_names=FEATURES)
    rejected["early_stopping"] = xgb.train(
        {"objective": "reg:squarederror", "eta": 0.5, "max_depth": 6, "seed": SEED},
        dtrain,
        num_boost_round=500,
        evals=[(dvalid, "valid")],
        early_stopping_rounds=3,
        verbose_eval=False,
    )
    for name, booster in rejected.items():
        booster.save_model(out / f"{name}.json")
        manifest["rejected"].append({"name": name, "file": f"{name}.json"})

    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def make_example(out):
    """Write the two small models of examples/xgboost: weekly revenue and conversions.

    They read the three spends and the price, and have 8 trees of depth 3 each, so that the
    files stay near 10 KB.
    """
    rng = np.random.default_rng(SEED)
    x, revenue = synthetic_data(rng, 1_000)
    x = x[:, :4]
    names = FEATURES[:4]
    small = {"max_depth": 3, "eta": 0.5, "seed": SEED, "nthread": 1}
    y = revenue * rng.normal(1.0, 0.05, revenue.size)
    models = {
        "revenue": ({"objective": "reg:squarederror", **small}, y),
        "conversions": ({"objective": "count:poisson", **small}, rng.poisson(revenue / 1_000.0)),
    }
    for name, (params, label) in models.items():
        booster = xgb.train(params, xgb.DMatrix(x, label=label, feature_names=names), 8)
        booster.save_model(out / f"{name}.json")


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("fixtures", "example"):
        sys.exit(__doc__)
    out = Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    if sys.argv[1] == "fixtures":
        make_fixtures(out)
    else:
        make_example(out)


if __name__ == "__main__":
    main()
