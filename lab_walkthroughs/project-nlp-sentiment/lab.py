"""End-to-end project: review sentiment, a local text classifier next to Amazon Comprehend."""

from __future__ import annotations

import json

from srscards.labs import CheckFailed, LabContext, Step, expect
from srscards.labs.blocks import make_bucket

TITLE = "Project: review sentiment with a local text classifier and Amazon Comprehend"
RESOURCES = ["1 S3 bucket with the reviews and predictions", "5 Amazon Comprehend DetectSentiment calls (no resource)"]
COST = "five Amazon Comprehend DetectSentiment requests of one short review each, and a few KB in S3"
SEED, REVIEWS, ACCURACY_BAR = 11, 600, 0.9
SUBJECTS = ["The battery", "The screen", "Delivery", "The support team", "The price", "The camera", "Setup"]
GOOD = ["was excellent", "exceeded my expectations", "works perfectly", "is great value", "made me very happy"]
BAD = [
    "was terrible",
    "broke after a week",
    "is a waste of money",
    "never worked properly",
    "was a huge disappointment",
]
ENDINGS = ["", " I would buy it again.", " Five stars.", " Returned it.", " Would not recommend.", " Overall fine."]
SAMPLES = [
    ("The camera works perfectly and the battery is great value. I love it.", "POSITIVE"),
    ("The screen broke after a week and support never answered. A waste of money.", "NEGATIVE"),
    ("Delivery was excellent and setup took two minutes. Very happy.", "POSITIVE"),
    ("Terrible product. It never worked properly and I returned it.", "NEGATIVE"),
    ("This exceeded my expectations; the price is great value.", "POSITIVE"),
]


def generate(ctx: LabContext) -> None:
    import numpy as np

    rng = np.random.default_rng(SEED)
    texts, labels = [], []
    for _ in range(REVIEWS):
        positive = bool(rng.random() < 0.5)
        main = rng.choice(GOOD if positive else BAD)
        # One clause in four carries the opposite remark, so a single word does not decide the label.
        aside = (
            f" but {rng.choice(SUBJECTS).lower()} {rng.choice(BAD if positive else GOOD)}"
            if rng.random() < 0.25
            else ""
        )
        texts.append(f"{rng.choice(SUBJECTS)} {main}{aside}.{rng.choice(ENDINGS)}")
        labels.append(int(positive))
    ctx.state.update(texts=texts, labels=labels)


def check_generate(ctx: LabContext) -> str:
    expect("reviews", REVIEWS, len(ctx.state["texts"]))
    share = sum(ctx.state["labels"]) / REVIEWS
    if not 0.4 < share < 0.6:
        raise CheckFailed(f"positive share: expected between 0.4 and 0.6, found {share:.2f}")
    return f"{REVIEWS} labelled reviews, {share:.0%} positive, a quarter with a contrary aside"


def train(ctx: LabContext) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline

    x_train, x_test, y_train, y_test = train_test_split(
        ctx.state["texts"], ctx.state["labels"], test_size=0.25, random_state=SEED, stratify=ctx.state["labels"]
    )
    model = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2), LogisticRegression(max_iter=1000))
    model.fit(x_train, y_train)
    ctx.state.update(
        model=model,
        accuracy=float(accuracy_score(y_test, model.predict(x_test))),
        majority=max(sum(y_test), len(y_test) - sum(y_test)) / len(y_test),
    )


def check_train(ctx: LabContext) -> str:
    accuracy, majority = ctx.state["accuracy"], ctx.state["majority"]
    if accuracy < ACCURACY_BAR:
        raise CheckFailed(f"test accuracy: expected at least {ACCURACY_BAR}, found {accuracy:.3f}")
    samples = ctx.state["model"].predict([text for text, _ in SAMPLES])
    expect(
        "labels of the five sample reviews",
        [int(label == "POSITIVE") for _, label in SAMPLES],
        [int(p) for p in samples],
    )
    return f"TF-IDF + logistic regression: {accuracy:.1%} on 150 held-out reviews (majority class {majority:.1%})"


def store(ctx: LabContext) -> None:
    bucket = make_bucket(ctx)
    predictions = ctx.state["model"].predict(ctx.state["texts"])
    lines = [
        json.dumps({"text": text, "label": label, "predicted": int(p)})
        for text, label, p in zip(ctx.state["texts"], ctx.state["labels"], predictions, strict=True)
    ]
    ctx.client("s3").put_object(Bucket=bucket, Key="nlp/predictions.jsonl", Body="\n".join(lines).encode())


def check_store(ctx: LabContext) -> str:
    body = ctx.client("s3").get_object(Bucket=ctx.state["bucket"], Key="nlp/predictions.jsonl")["Body"].read()
    rows = [json.loads(line) for line in body.decode().splitlines()]
    expect("stored predictions", REVIEWS, len(rows))
    return f"{REVIEWS} reviews with label and prediction stored as JSON Lines"


def comprehend(ctx: LabContext) -> None:
    client = ctx.client("comprehend")
    ctx.state["managed"] = [client.detect_sentiment(Text=text, LanguageCode="en")["Sentiment"] for text, _ in SAMPLES]


def check_comprehend(ctx: LabContext) -> str:
    found = ctx.state["managed"]
    if ctx.target != "aws":
        expect("the emulator's canned sentiment", ["NEUTRAL"] * len(SAMPLES), found)
        return "Comprehend answered (the emulator always says NEUTRAL; see the README)"
    agree = sum(f == label for f, (_, label) in zip(found, SAMPLES, strict=True))
    if agree < 4:
        raise CheckFailed(f"Comprehend agreement: expected at least 4 of {len(SAMPLES)}, found {agree} ({found})")
    return f"Comprehend, with no training at all, agrees on {agree} of {len(SAMPLES)} sample reviews"


STEPS = [
    Step(
        "Generate labelled reviews",
        "Templated reviews with known labels make the metric checkable; contrary asides keep it from being trivial.",
        generate,
        check_generate,
    ),
    Step(
        "Train and evaluate locally",
        "Word and word-pair TF-IDF features with logistic regression: a strong, cheap baseline for text.",
        train,
        check_train,
    ),
    Step(
        "Store reviews and predictions in S3",
        "Predictions kept next to labels are what error analysis starts from.",
        store,
        check_store,
    ),
    Step(
        "Ask Amazon Comprehend",
        "A managed AI service gives sentiment with no training; compare it with the custom model before building one.",
        comprehend,
        check_comprehend,
    ),
]
