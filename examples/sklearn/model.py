"""A scikit-learn response model served to Atlas over the JSON-lines protocol.

At start the script fits a pipeline (log spend, degree-2 polynomial features, ridge
regression) on three years of synthetic weekly spend and KPIs. Then it serves Atlas: for each
line on stdin, a JSON object of spend keyed by channel, it prints one JSON object of KPIs on
stdout. Log messages go to stderr, which Atlas shows with -v.

Run it by hand to try the protocol:

    echo '{"search": 120, "social": 60, "tv": 200}' | .venv/bin/python model.py
"""

import json
import sys

import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, PolynomialFeatures, StandardScaler
from sklearn.linear_model import Ridge

CHANNELS = ["search", "social", "tv"]
KPIS = ["revenue", "new_customers"]
WEEKS = 156
SEED = 7


def synthetic_history():
    """Weekly spend (thousand USD) and KPIs from a known response with noise.

    Each channel saturates, and search works better when TV runs (an interaction), so the
    model is not a sum of per-channel curves.
    """
    rng = np.random.default_rng(SEED)
    upper = np.array([200.0, 150.0, 400.0])
    spend = rng.uniform(0.0, 1.0, size=(WEEKS, len(CHANNELS))) * upper
    search, social, tv = spend.T
    revenue = (
        50.0
        + 300.0 * (1.0 - np.exp(-search / 60.0))
        + 150.0 * (1.0 - np.exp(-social / 50.0))
        + 400.0 * (1.0 - np.exp(-tv / 150.0))
        + 0.3 * np.sqrt(search * tv)
        + rng.normal(0.0, 10.0, WEEKS)
    )
    customers = (
        20.0
        + 80.0 * (1.0 - np.exp(-search / 40.0))
        + 60.0 * (1.0 - np.exp(-social / 30.0))
        + 30.0 * (1.0 - np.exp(-tv / 200.0))
        + rng.normal(0.0, 3.0, WEEKS)
    )
    return spend, np.column_stack([revenue, customers])


def fit():
    spend, kpis = synthetic_history()
    pipeline = make_pipeline(
        FunctionTransformer(np.log1p),
        PolynomialFeatures(degree=2, include_bias=False),
        StandardScaler(),
        Ridge(alpha=1.0),
    )
    pipeline.fit(spend, kpis)
    print(f"fitted on {WEEKS} weeks, R^2 = {pipeline.score(spend, kpis):.3f}", file=sys.stderr)
    return pipeline


def serve(pipeline):
    for line in sys.stdin:
        spend = json.loads(line)
        row = np.array([[float(spend[channel]) for channel in CHANNELS]])
        prediction = pipeline.predict(row)[0]
        answer = {kpi: float(value) for kpi, value in zip(KPIS, prediction)}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    serve(fit())
