"""End-to-end project: recommendations from implicit feedback, trained locally, served from DynamoDB."""

from __future__ import annotations

import json

from srscards.labs import CheckFailed, LabContext, Step, expect
from srscards.labs.blocks import make_bucket

TITLE = "Project: recommendations from implicit feedback, trained locally and served from DynamoDB"
RESOURCES = ["1 S3 bucket with the interactions and the recommendations", "1 DynamoDB table (on-demand) with 400 items"]
COST = "400 small writes to an on-demand DynamoDB table and a few KB in S3"
USERS, ITEMS, FACTORS, SEED, TOP = 400, 120, 4, 3, 10
HIT_RATE_BAR = 0.4


def generate(ctx: LabContext) -> None:
    import numpy as np

    rng = np.random.default_rng(SEED)
    taste, traits = rng.normal(size=(USERS, FACTORS)), rng.normal(size=(ITEMS, FACTORS))
    appeal = rng.normal(0, 1, ITEMS)
    chance = 1 / (1 + np.exp(-(taste @ traits.T + appeal - 2.5)))
    seen = (rng.random((USERS, ITEMS)) < chance).astype(float)
    train, held_out = seen.copy(), {}
    for user in range(USERS):  # leave one interaction out per user, to test on
        items = np.flatnonzero(seen[user])
        if len(items) >= 3:
            held_out[user] = int(rng.choice(items))
            train[user, held_out[user]] = 0
    ctx.state.update(train=train, held_out=held_out)


def check_generate(ctx: LabContext) -> str:
    density = float(ctx.state["train"].mean())
    if not 0.05 < density < 0.4:
        raise CheckFailed(f"interaction density: expected between 0.05 and 0.4, found {density:.3f}")
    return f"{USERS} users x {ITEMS} items, {density:.1%} seen; {len(ctx.state['held_out'])} interactions held out"


def train(ctx: LabContext) -> None:
    import numpy as np
    from sklearn.decomposition import TruncatedSVD

    matrix = ctx.state["train"]
    svd = TruncatedSVD(n_components=8, random_state=0).fit(matrix)
    scores = svd.transform(matrix) @ svd.components_
    popularity = np.tile(matrix.sum(axis=0), (USERS, 1)).astype(float)

    def top_items(all_scores):  # type: ignore[no-untyped-def]
        masked = np.where(matrix > 0, -np.inf, all_scores)  # never recommend what the user has seen
        return np.argsort(-masked, axis=1, kind="stable")[:, :TOP]

    def hit_rate(top):  # type: ignore[no-untyped-def]
        held = ctx.state["held_out"]
        return sum(item in top[user] for user, item in held.items()) / len(held)

    recommended = top_items(scores)
    ctx.state.update(
        recommended=recommended,
        hit_rate=hit_rate(recommended),
        popular_hit_rate=hit_rate(top_items(popularity)),
    )


def check_train(ctx: LabContext) -> str:
    ours, popular = ctx.state["hit_rate"], ctx.state["popular_hit_rate"]
    if ours < HIT_RATE_BAR:
        raise CheckFailed(f"hit rate at {TOP}: expected at least {HIT_RATE_BAR}, found {ours:.3f}")
    if ours < 1.5 * popular:
        raise CheckFailed(
            f"hit rate at {TOP}: expected 1.5 times the popularity baseline {popular:.3f}, found {ours:.3f}"
        )
    return (
        f"hit rate at {TOP}: {ours:.1%} of held-out items recommended, against {popular:.1%} for the most popular items"
    )


def publish(ctx: LabContext) -> None:
    bucket = make_bucket(ctx)
    lines = [
        json.dumps({"user_id": f"u{u}", "items": [f"i{i}" for i in row]})
        for u, row in enumerate(ctx.state["recommended"])
    ]
    ctx.client("s3").put_object(Bucket=bucket, Key="recommendations/run=1/top10.jsonl", Body="\n".join(lines).encode())
    dynamodb = ctx.client("dynamodb")
    table = ctx.name("recs")
    dynamodb.create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "user_id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "user_id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=ctx.tags,
    )
    dynamodb.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 2 if ctx.target == "aws" else 0})
    requests = [
        {"PutRequest": {"Item": {"user_id": {"S": f"u{u}"}, "items": {"L": [{"S": f"i{i}"} for i in row]}}}}
        for u, row in enumerate(ctx.state["recommended"])
    ]
    for start in range(0, len(requests), 25):  # BatchWriteItem takes at most 25 requests
        pending = {table: requests[start : start + 25]}
        while pending:
            pending = dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
    ctx.state["table"] = table


def check_publish(ctx: LabContext) -> str:
    user = 7
    item = ctx.client("dynamodb").get_item(TableName=ctx.state["table"], Key={"user_id": {"S": f"u{user}"}})["Item"]
    expect(
        f"u{user}'s recommendations",
        [f"i{i}" for i in ctx.state["recommended"][user]],
        [v["S"] for v in item["items"]["L"]],
    )
    count = ctx.client("dynamodb").scan(TableName=ctx.state["table"], Select="COUNT")["Count"]
    expect("users in the table", USERS, count)
    return f"all {USERS} users' top {TOP} lists are in DynamoDB; one GetItem serves a user in milliseconds"


STEPS = [
    Step(
        "Generate implicit feedback",
        "Who clicked what, from known hidden tastes; one interaction per user is held out to test on.",
        generate,
        check_generate,
    ),
    Step(
        "Train and evaluate locally",
        "Matrix factorisation (truncated SVD) ranks unseen items; judged by hit rate against a popularity baseline.",
        train,
        check_train,
    ),
    Step(
        "Publish recommendations",
        "Precomputed lists go to S3 (for analytics) and DynamoDB (for serving): no model endpoint needed.",
        publish,
        check_publish,
    ),
]
