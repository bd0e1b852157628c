"""Local modelling for the labs: real scikit-learn training, and a model package SageMaker can serve.

The package holds the fitted model as plain numbers (`model.json`) and an inference script
for the SageMaker scikit-learn container, so it does not depend on pickles matching the
container's scikit-learn version. The same script runs locally to prove the package predicts
what the trained model predicts.
"""

from __future__ import annotations

import importlib.util
import io
import json
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SKLEARN_IMAGE_TAG = "1.2-1-cpu-py3"

INFERENCE_SCRIPT = '''"""Serve a standardised logistic regression stored as numbers in model.json (CSV in, CSV out)."""

import json
import math
import os


def model_fn(model_dir):
    with open(os.path.join(model_dir, "model.json"), encoding="utf-8") as handle:
        return json.load(handle)


def input_fn(body, content_type="text/csv"):
    if content_type != "text/csv":
        raise ValueError("send text/csv: one row of numbers per line")
    text = body.decode("utf-8") if isinstance(body, (bytes, bytearray)) else body
    return [[float(value) for value in line.split(",")] for line in text.strip().splitlines()]


def predict_fn(rows, model):
    scores = []
    for row in rows:
        z = model["intercept"]
        for value, mean, scale, weight in zip(row, model["mean"], model["scale"], model["coef"]):
            z += weight * (value - mean) / scale
        scores.append(1.0 / (1.0 + math.exp(-z)))
    return scores


def output_fn(scores, accept="text/csv"):
    return "\\n".join(f"{score:.6f}" for score in scores), "text/csv"
'''


@dataclass(frozen=True)
class Dataset:
    """A train/test split of a small tabular data set, label separate from features."""

    x_train: Any
    y_train: Any
    x_test: Any
    y_test: Any
    feature_names: tuple[str, ...]


def breast_cancer(seed: int = 0) -> Dataset:
    """scikit-learn's bundled Wisconsin breast cancer data (569 rows, 30 features), stratified 80/20."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    data = load_breast_cancer()
    x_train, x_test, y_train, y_test = train_test_split(
        data.data, data.target, test_size=0.2, random_state=seed, stratify=data.target
    )
    return Dataset(x_train, y_train, x_test, y_test, tuple(str(n) for n in data.feature_names))


def label_first_csv(x: Any, y: Any) -> bytes:
    """Rows as `label,f1,f2,...` without a header: the CSV layout SageMaker built-in XGBoost expects."""
    lines = [",".join([str(int(label)), *(f"{v:.6g}" for v in row)]) for row, label in zip(x, y, strict=True)]
    return ("\n".join(lines) + "\n").encode()


def features_csv(x: Any) -> bytes:
    """Rows of features only, as an endpoint or batch transform receives them."""
    return ("\n".join(",".join(repr(float(v)) for v in row) for row in x) + "\n").encode()


@dataclass(frozen=True)
class Trained:
    """A fitted classifier as plain numbers, its test accuracy, and its scores on the test rows."""

    model: dict[str, Any]
    accuracy: float
    test_scores: tuple[float, ...]


def train_logistic(data: Dataset, seed: int = 0) -> Trained:
    """Fit standardisation plus logistic regression on the training rows; score it on the test rows."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    pipeline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000, random_state=seed))
    pipeline.fit(data.x_train, data.y_train)
    accuracy = float(accuracy_score(data.y_test, pipeline.predict(data.x_test)))
    scaler, logistic = pipeline[0], pipeline[1]
    model = {
        "mean": [float(v) for v in scaler.mean_],
        "scale": [float(v) for v in scaler.scale_],
        "coef": [float(v) for v in logistic.coef_[0]],
        "intercept": float(logistic.intercept_[0]),
        "features": list(data.feature_names),
    }
    scores = tuple(float(p) for p in pipeline.predict_proba(data.x_test)[:, 1])
    return Trained(model, accuracy, scores)


def package(model: dict[str, Any], path: Path) -> Path:
    """Write model.tar.gz: model.json at the top, the inference script under code/."""
    with tarfile.open(path, "w:gz") as tar:
        for name, text in (("model.json", json.dumps(model)), ("code/inference.py", INFERENCE_SCRIPT)):
            payload = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return path


def serve_locally(archive: Path, body: bytes, scratch: Path) -> list[float]:
    """Unpack a model package and answer one request with its own inference script, as the container would."""
    target = scratch / "served-model"
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(target, filter="data")
    spec = importlib.util.spec_from_file_location("lab_inference", target / "code" / "inference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.model_fn(str(target))
    text, _ = module.output_fn(module.predict_fn(module.input_fn(body, "text/csv"), model), "text/csv")
    return [float(v) for v in text.splitlines()]


def sklearn_container_env() -> dict[str, str]:
    """Environment that tells the SageMaker scikit-learn container where the inference script is."""
    return {"SAGEMAKER_PROGRAM": "inference.py", "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code"}
