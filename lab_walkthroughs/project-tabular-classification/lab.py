"""End-to-end project: a tabular classifier trained locally for real, "
"then stored, registered and configured for serving."""

from __future__ import annotations

import hashlib

from srscards.labs import CheckFailed, LabContext, Step, expect
from srscards.labs.blocks import check_role, make_bucket, make_role, sklearn_image
from srscards.labs.localml import (
    breast_cancer,
    features_csv,
    package,
    serve_locally,
    sklearn_container_env,
    train_logistic,
)

TITLE = "Project: tabular classification, from local training to a registered, deployable model"
RESOURCES = [
    "1 S3 bucket with the data and a small model package",
    "1 IAM execution role",
    "1 model package group with 1 approved package",
    "1 SageMaker model and 1 serverless endpoint configuration (no endpoint, so no hosting cost)",
]
COST = "a few KB in S3; no endpoint is created, so no instance runs"
ACCURACY_BAR = 0.93
PREFIX = "tabular/"


def train(ctx: LabContext) -> None:
    data = breast_cancer(seed=0)
    ctx.state.update(dataset=data, trained=train_logistic(data, seed=0))


def check_train(ctx: LabContext) -> str:
    accuracy = ctx.state["trained"].accuracy
    if accuracy < ACCURACY_BAR:
        raise CheckFailed(f"test accuracy: expected at least {ACCURACY_BAR}, found {accuracy:.4f}")
    majority = max(ctx.state["dataset"].y_test.mean(), 1 - ctx.state["dataset"].y_test.mean())
    return (
        f"test accuracy {accuracy:.4f} on 114 held-out rows (bar "
        f"{ACCURACY_BAR}; always guessing the majority gives {majority:.4f})"
    )


def build_package(ctx: LabContext) -> None:
    archive = package(ctx.state["trained"].model, ctx.work_dir / "model.tar.gz")
    body = features_csv(ctx.state["dataset"].x_test)
    ctx.state.update(archive=archive, served=serve_locally(archive, body, ctx.work_dir))


def check_package(ctx: LabContext) -> str:
    expected, found = ctx.state["trained"].test_scores, ctx.state["served"]
    expect("number of scores", len(expected), len(found))
    worst = max(abs(a - b) for a, b in zip(expected, found, strict=True))
    if worst > 1e-5:
        raise CheckFailed(
            f"package scores: expected the model's scores within 1e-05, found a difference of {worst:.2g}"
        )
    return (
        f"served through its own inference script, the package "
        f"reproduces all 114 test scores (max difference {worst:.1g})"
    )


def upload(ctx: LabContext) -> None:
    bucket = make_bucket(ctx)
    s3 = ctx.client("s3")
    s3.put_object(Bucket=bucket, Key=f"{PREFIX}data/test.csv", Body=features_csv(ctx.state["dataset"].x_test))
    s3.upload_file(str(ctx.state["archive"]), bucket, f"{PREFIX}model/model.tar.gz")
    ctx.state["model_data"] = f"s3://{bucket}/{PREFIX}model/model.tar.gz"
    make_role(ctx, bucket, PREFIX)


def check_upload(ctx: LabContext) -> str:
    local = hashlib.md5(ctx.state["archive"].read_bytes()).hexdigest()  # the ETag of a single-part upload
    head = ctx.client("s3").head_object(Bucket=ctx.state["bucket"], Key=f"{PREFIX}model/model.tar.gz")
    expect("uploaded package ETag", local, head["ETag"].strip('"'))
    check_role(ctx)
    return "the package in S3 is byte-identical to the local one; the role exists"


def register(ctx: LabContext) -> None:
    sm = ctx.client("sagemaker")
    group = ctx.name("tabular")
    sm.create_model_package_group(ModelPackageGroupName=group, Tags=ctx.tags)
    arn = sm.create_model_package(
        ModelPackageGroupName=group,
        ModelApprovalStatus="PendingManualApproval",
        InferenceSpecification={
            "Containers": [
                {
                    "Image": sklearn_image(ctx.region),
                    "ModelDataUrl": ctx.state["model_data"],
                    "Environment": sklearn_container_env(),
                }
            ],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
        CustomerMetadataProperties={"test_accuracy": f"{ctx.state['trained'].accuracy:.4f}"},
    )["ModelPackageArn"]
    if ctx.state["trained"].accuracy >= ACCURACY_BAR:  # the approval gate a pipeline would run
        sm.update_model_package(
            ModelPackageArn=arn, ModelApprovalStatus="Approved", ApprovalDescription="passed the bar"
        )
    ctx.state.update(group=group, package=arn)


def check_register(ctx: LabContext) -> str:
    found = ctx.client("sagemaker").describe_model_package(ModelPackageName=ctx.state["package"])
    expect("approval status", "Approved", found["ModelApprovalStatus"])
    expect(
        "registered artefact", ctx.state["model_data"], found["InferenceSpecification"]["Containers"][0]["ModelDataUrl"]
    )
    return "the package is registered with its accuracy and approved by the gate"


def serving_config(ctx: LabContext) -> None:
    sm = ctx.client("sagemaker")
    model, config = ctx.name("tabular-model"), ctx.name("tabular-config")
    sm.create_model(
        ModelName=model,
        ExecutionRoleArn=ctx.state["role_arn"],
        PrimaryContainer={"ModelPackageName": ctx.state["package"]},
        Tags=ctx.tags,
    )
    sm.create_endpoint_config(
        EndpointConfigName=config,
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": model,
                "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5},
            }
        ],
        Tags=ctx.tags,
    )
    ctx.state.update(model=model, config=config)


def check_serving_config(ctx: LabContext) -> str:
    sm = ctx.client("sagemaker")
    variant = sm.describe_endpoint_config(EndpointConfigName=ctx.state["config"])["ProductionVariants"][0]
    expect("variant model", ctx.state["model"], variant["ModelName"])
    expect(
        "serverless memory (MB), concurrency",
        (2048, 5),
        (variant["ServerlessConfig"]["MemorySizeInMB"], variant["ServerlessConfig"]["MaxConcurrency"]),
    )
    return "a serverless endpoint configuration serves the approved package; CreateEndpoint would deploy it"


STEPS = [
    Step(
        "Train and evaluate locally",
        "The modelling is real: standardisation plus logistic regression, scored on rows it never saw.",
        train,
        check_train,
    ),
    Step(
        "Package the model and test the package",
        "A package that loads and answers locally will load in the container; test it before paying for an endpoint.",
        build_package,
        check_package,
    ),
    Step(
        "Upload to S3 and create the role",
        "The artefact and data go to one prefix the role is limited to.",
        upload,
        check_upload,
    ),
    Step(
        "Register and approve",
        "The registry records the version and its metric; approval is gated on the accuracy bar.",
        register,
        check_register,
    ),
    Step(
        "Configure serving",
        "A model made from the approved package and a serverless endpoint "
        "configuration: pay per request, no idle cost.",
        serving_config,
        check_serving_config,
    ),
]
