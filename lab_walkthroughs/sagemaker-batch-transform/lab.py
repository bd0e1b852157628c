"""Batch transform: score a whole S3 data set with a model, no endpoint."""

from __future__ import annotations

from srscards.labs import LabContext, Step, expect
from srscards.labs.blocks import INSTANCE_TYPE, check_model, create_model, make_bucket, make_role, trained_model
from srscards.labs.localml import features_csv

TITLE = "Batch transform: offline scoring of an S3 data set"
RESOURCES = [
    "1 S3 bucket with the input CSV, a small model package and the output",
    "1 IAM execution role",
    "1 SageMaker model and 1 batch transform job on 1 ml.m5.large (about 5 minutes)",
]
COST = "one ml.m5.large batch transform job of about 5 minutes and a few KB in S3"


def model(ctx: LabContext) -> None:
    make_bucket(ctx)
    make_role(ctx, ctx.state["bucket"])
    trained_model(ctx)
    ctx.client("s3").put_object(
        Bucket=ctx.state["bucket"], Key="lab/batch-in/rows.csv", Body=features_csv(ctx.state["dataset"].x_test)
    )
    create_model(ctx)


def transform(ctx: LabContext) -> None:
    name, bucket = ctx.name("batch"), ctx.state["bucket"]
    sm = ctx.client("sagemaker")
    sm.create_transform_job(
        TransformJobName=name,
        ModelName=ctx.state["model"],
        BatchStrategy="MultiRecord",
        MaxPayloadInMB=6,
        TransformInput={
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/lab/batch-in/"}},
            "ContentType": "text/csv",
            "SplitType": "Line",
        },
        TransformOutput={"S3OutputPath": f"s3://{bucket}/lab/batch-out/", "AssembleWith": "Line", "Accept": "text/csv"},
        TransformResources={"InstanceType": INSTANCE_TYPE, "InstanceCount": 1},
        Tags=ctx.tags,
    )
    ctx.state["job"] = name
    if ctx.target == "aws":
        sm.get_waiter("transform_job_completed_or_stopped").wait(
            TransformJobName=name, WaiterConfig={"Delay": 30, "MaxAttempts": 40}
        )


def check_transform(ctx: LabContext) -> str:
    job = ctx.client("sagemaker").describe_transform_job(TransformJobName=ctx.state["job"])
    expect("transform job status", "Completed", job["TransformJobStatus"])
    expect("split type", "Line", job["TransformInput"]["SplitType"])
    expect("batch strategy", "MultiRecord", job["BatchStrategy"])
    if ctx.target != "aws":
        return "Completed with line splitting and multi-record batches (the emulator writes no output; see the README)"
    body = ctx.client("s3").get_object(Bucket=ctx.state["bucket"], Key="lab/batch-out/rows.csv.out")["Body"].read()
    scores = [float(v) for v in body.decode().split()]
    expect("scores written", 114, len(scores))
    return "114 scores written to batch-out/rows.csv.out"


STEPS = [
    Step(
        "Train locally, upload, create the model",
        "Batch transform runs a SageMaker model over files in S3; the model is the same kind an endpoint uses.",
        model,
        check_model,
    ),
    Step(
        "Run the transform job",
        "No endpoint stays up: instances start, score every line of the input, write .out files and stop.",
        transform,
        check_transform,
    ),
]
