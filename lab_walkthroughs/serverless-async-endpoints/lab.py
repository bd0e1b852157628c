"""Serverless and asynchronous endpoint configurations: inference that costs nothing when idle."""

from __future__ import annotations

from srscards.labs import LabContext, Step, expect
from srscards.labs.blocks import INSTANCE_TYPE, check_model, create_model, make_bucket, make_role, trained_model

TITLE = "Serverless and asynchronous endpoint configurations"
RESOURCES = [
    "1 S3 bucket with a small model package",
    "1 IAM execution role, 1 SageMaker model, 1 SNS topic",
    "2 endpoint configurations (no endpoints, so no hosting cost)",
]
COST = "a few KB in S3 and an SNS topic; endpoint configurations are created but no endpoint, so no instance runs"


def model(ctx: LabContext) -> None:
    make_bucket(ctx)
    make_role(ctx, ctx.state["bucket"])
    trained_model(ctx)
    create_model(ctx)


def serverless(ctx: LabContext) -> None:
    ctx.state["serverless"] = ctx.name("serverless")
    ctx.client("sagemaker").create_endpoint_config(
        EndpointConfigName=ctx.state["serverless"],
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": ctx.state["model"],
                "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 10},
            }
        ],
        Tags=ctx.tags,
    )


def check_serverless(ctx: LabContext) -> str:
    config = ctx.client("sagemaker").describe_endpoint_config(EndpointConfigName=ctx.state["serverless"])
    variant = config["ProductionVariants"][0]
    expect("serverless config", {"MemorySizeInMB": 2048, "MaxConcurrency": 10}, variant.get("ServerlessConfig"))
    expect("instance type", None, variant.get("InstanceType"))
    return "2 GB memory, up to 10 concurrent invocations, no instance type: billed per request"


def asynchronous(ctx: LabContext) -> None:
    topic = ctx.client("sns").create_topic(Name=ctx.name("async-done"), Tags=ctx.tags)["TopicArn"]
    ctx.state["async"] = ctx.name("async")
    ctx.state["topic"] = topic
    ctx.client("sagemaker").create_endpoint_config(
        EndpointConfigName=ctx.state["async"],
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": ctx.state["model"],
                "InstanceType": INSTANCE_TYPE,
                "InitialInstanceCount": 1,
            }
        ],
        AsyncInferenceConfig={
            "ClientConfig": {"MaxConcurrentInvocationsPerInstance": 4},
            "OutputConfig": {
                "S3OutputPath": f"s3://{ctx.state['bucket']}/lab/async-out/",
                "NotificationConfig": {"SuccessTopic": topic, "ErrorTopic": topic},
            },
        },
        Tags=ctx.tags,
    )


def check_async(ctx: LabContext) -> str:
    config = ctx.client("sagemaker").describe_endpoint_config(EndpointConfigName=ctx.state["async"])
    output = config["AsyncInferenceConfig"]["OutputConfig"]
    expect("async output path", f"s3://{ctx.state['bucket']}/lab/async-out/", output["S3OutputPath"])
    expect("success topic", ctx.state["topic"], output.get("NotificationConfig", {}).get("SuccessTopic"))
    return "requests queue, results land in async-out/ and SNS says when; with auto scaling to 0 it idles for free"


STEPS = [
    Step(
        "Train locally and create the model", "Both configurations serve the same SageMaker model.", model, check_model
    ),
    Step(
        "Serverless endpoint configuration",
        "For spiky or rare traffic: no instances to choose, pay per request and per GB-second, cold starts possible.",
        serverless,
        check_serverless,
    ),
    Step(
        "Asynchronous endpoint configuration",
        "For large payloads (up to 1 GB) and long processing (up to 1 hour): requests queue, results go to S3.",
        asynchronous,
        check_async,
    ),
]
