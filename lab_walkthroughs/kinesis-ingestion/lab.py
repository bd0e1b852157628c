"""Streaming ingestion with Kinesis Data Streams: create a stream, put records, read them back."""

from __future__ import annotations

import json

from srscards.labs import LabContext, Step, expect

TITLE = "Streaming ingestion with Kinesis Data Streams"
RESOURCES = ["1 Kinesis data stream with 1 shard (provisioned mode)"]
COST = "one provisioned Kinesis shard for the minutes of the run and a dozen small records"
READINGS = [{"sensor": f"s{i % 3}", "temperature": 20.0 + i / 4} for i in range(12)]


def stream(ctx: LabContext) -> None:
    kinesis = ctx.client("kinesis")
    name = ctx.name("clicks")
    kinesis.create_stream(StreamName=name, ShardCount=1, StreamModeDetails={"StreamMode": "PROVISIONED"})
    kinesis.get_waiter("stream_exists").wait(StreamName=name, WaiterConfig={"Delay": 2 if ctx.target == "aws" else 0})
    kinesis.add_tags_to_stream(StreamName=name, Tags=ctx.tag_map)
    ctx.state["stream"] = name


def check_stream(ctx: LabContext) -> str:
    kinesis = ctx.client("kinesis")
    summary = kinesis.describe_stream_summary(StreamName=ctx.state["stream"])["StreamDescriptionSummary"]
    expect("stream status", "ACTIVE", summary["StreamStatus"])
    expect("open shards", 1, summary["OpenShardCount"])
    expect("retention hours", 24, summary["RetentionPeriodHours"])
    return f"stream {ctx.state['stream']} is ACTIVE with 1 shard and 24 h retention"


def encrypt(ctx: LabContext) -> None:
    ctx.client("kinesis").start_stream_encryption(
        StreamName=ctx.state["stream"], EncryptionType="KMS", KeyId="alias/aws/kinesis"
    )
    if ctx.target == "aws":
        ctx.client("kinesis").get_waiter("stream_exists").wait(StreamName=ctx.state["stream"])


def check_encrypt(ctx: LabContext) -> str:
    summary = ctx.client("kinesis").describe_stream_summary(StreamName=ctx.state["stream"])
    expect("encryption type", "KMS", summary["StreamDescriptionSummary"]["EncryptionType"])
    return "records are encrypted at rest with the AWS managed Kinesis key"


def put(ctx: LabContext) -> None:
    records = [{"Data": json.dumps(r).encode(), "PartitionKey": r["sensor"]} for r in READINGS]
    response = ctx.client("kinesis").put_records(StreamName=ctx.state["stream"], Records=records)
    ctx.state["failed"] = response["FailedRecordCount"]
    ctx.state["sequence_numbers"] = [r.get("SequenceNumber") for r in response["Records"]]


def check_put(ctx: LabContext) -> str:
    expect("failed records", 0, ctx.state["failed"])
    expect("records with a sequence number", len(READINGS), sum(1 for s in ctx.state["sequence_numbers"] if s))
    return f"{len(READINGS)} records accepted, each with a sequence number"


def read(ctx: LabContext) -> None:
    kinesis = ctx.client("kinesis")
    shard = kinesis.list_shards(StreamName=ctx.state["stream"])["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(
        StreamName=ctx.state["stream"], ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    received: list[dict[str, object]] = []
    for _ in range(30):  # a fresh shard may answer empty a few times on AWS
        page = kinesis.get_records(ShardIterator=iterator, Limit=100)
        received += [json.loads(r["Data"]) for r in page["Records"]]
        iterator = page["NextShardIterator"]
        if len(received) >= len(READINGS):
            break
    ctx.state["received"] = received


def check_read(ctx: LabContext) -> str:
    expect("records read back", READINGS, ctx.state["received"])
    return "a TRIM_HORIZON iterator returns all records, in order, unchanged"


STEPS = [
    Step(
        "Create a data stream",
        "A shard takes 1 MB/s or 1,000 records/s in and gives 2 MB/s out; records stay 24 hours by default.",
        stream,
        check_stream,
    ),
    Step("Encrypt the stream", "Server-side encryption with KMS protects records at rest.", encrypt, check_encrypt),
    Step(
        "Put records",
        "PutRecords batches up to 500 records; the partition key decides the shard and keeps one sensor in order.",
        put,
        check_put,
    ),
    Step(
        "Read the records back",
        "A consumer reads a shard through an iterator; TRIM_HORIZON starts at the oldest record kept.",
        read,
        check_read,
    ),
]
