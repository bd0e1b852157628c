"""SageMaker Model Registry: a model package group, a versioned package, and approval."""

from __future__ import annotations

from srscards.labs import LabContext, Step, expect
from srscards.labs.blocks import make_bucket, make_role, sklearn_image, trained_model
from srscards.labs.localml import sklearn_container_env

TITLE = "Model Registry: versioned model packages and approval"
RESOURCES = ["1 S3 bucket with a small model package", "1 IAM role", "1 model package group with 1 model package"]
COST = "a few KB of model package in S3; the model package group holds only metadata"


def group(ctx: LabContext) -> None:
    ctx.state["group"] = ctx.name("churn-models")
    ctx.client("sagemaker").create_model_package_group(
        ModelPackageGroupName=ctx.state["group"], ModelPackageGroupDescription="churn classifiers", Tags=ctx.tags
    )


def check_group(ctx: LabContext) -> str:
    found = ctx.client("sagemaker").describe_model_package_group(ModelPackageGroupName=ctx.state["group"])
    expect("group status", "Completed", found["ModelPackageGroupStatus"])
    return f"group {ctx.state['group']} exists"


def register(ctx: LabContext) -> None:
    make_bucket(ctx)
    make_role(ctx, ctx.state["bucket"])
    trained_model(ctx)
    package = ctx.client("sagemaker").create_model_package(
        ModelPackageGroupName=ctx.state["group"],
        ModelPackageDescription="logistic regression, breast cancer data",
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
            "SupportedRealtimeInferenceInstanceTypes": ["ml.m5.large"],
            "SupportedTransformInstanceTypes": ["ml.m5.large"],
        },
        CustomerMetadataProperties={"test_accuracy": f"{ctx.state['accuracy']:.4f}"},
    )
    ctx.state["package"] = package["ModelPackageArn"]


def check_register(ctx: LabContext) -> str:
    found = ctx.client("sagemaker").describe_model_package(ModelPackageName=ctx.state["package"])
    expect("approval status", "PendingManualApproval", found["ModelApprovalStatus"])
    expect("version", 1, found["ModelPackageVersion"])
    expect("recorded accuracy", f"{ctx.state['accuracy']:.4f}", found["CustomerMetadataProperties"]["test_accuracy"])
    return f"version 1 registered, pending approval, test accuracy {ctx.state['accuracy']:.4f} recorded"


def approve(ctx: LabContext) -> None:
    ctx.client("sagemaker").update_model_package(
        ModelPackageArn=ctx.state["package"],
        ModelApprovalStatus="Approved",
        ApprovalDescription="accuracy above the 0.9 bar on the held-out set",
    )


def check_approve(ctx: LabContext) -> str:
    sm = ctx.client("sagemaker")
    found = sm.describe_model_package(ModelPackageName=ctx.state["package"])
    expect("approval status", "Approved", found["ModelApprovalStatus"])
    approved = sm.list_model_packages(ModelPackageGroupName=ctx.state["group"], ModelApprovalStatus="Approved")
    expect(
        "approved packages", [ctx.state["package"]], [p["ModelPackageArn"] for p in approved["ModelPackageSummaryList"]]
    )
    return "version 1 is Approved and is what a deployment pipeline would pick"


STEPS = [
    Step(
        "Create a model package group",
        "A group holds the versions of one model; pipelines register into it and deployments read from it.",
        group,
        check_group,
    ),
    Step(
        "Register a model version",
        "A package names the image, the artefact and the supported "
        "instance types, plus metadata such as test accuracy.",
        register,
        check_register,
    ),
    Step(
        "Approve the version",
        "Approval is the gate: an EventBridge rule on the status change can start the deployment.",
        approve,
        check_approve,
    ),
]
