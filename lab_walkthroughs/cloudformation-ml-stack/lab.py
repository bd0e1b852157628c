"""A CloudFormation template for an ML stack: an encrypted bucket and a SageMaker role, as code."""

from __future__ import annotations

from pathlib import Path

from srscards.labs import LabContext, Step, expect
from srscards.labs.blocks import policy_document

TITLE = "CloudFormation stack for an ML project: encrypted bucket and execution role"
RESOURCES = ["1 CloudFormation stack creating 1 S3 bucket (empty) and 1 IAM role"]
COST = "an empty S3 bucket and an IAM role, created through a CloudFormation stack and deleted with it"
TEMPLATE = Path(__file__).with_name("template.yaml")


def validate(ctx: LabContext) -> None:
    body = TEMPLATE.read_text(encoding="utf-8")
    ctx.state["template"] = body
    cloudformation = ctx.client("cloudformation")
    cloudformation.validate_template(TemplateBody=body)
    ctx.state["summary"] = cloudformation.get_template_summary(TemplateBody=body)


def check_validate(ctx: LabContext) -> str:
    keys = sorted(p["ParameterKey"] for p in ctx.state["summary"]["Parameters"])
    expect("template parameters", ["BucketName", "Prefix"], keys)
    expect("resource types", ["AWS::IAM::Role", "AWS::S3::Bucket"], sorted(ctx.state["summary"]["ResourceTypes"]))
    return "the template is valid, takes BucketName and Prefix, and declares a bucket and a role"


def create(ctx: LabContext) -> None:
    cloudformation = ctx.client("cloudformation")
    ctx.state["stack"] = ctx.name("ml-stack")
    ctx.state["stack_bucket"] = ctx.name("stack-data")
    cloudformation.create_stack(
        StackName=ctx.state["stack"],
        TemplateBody=ctx.state["template"],
        Parameters=[{"ParameterKey": "BucketName", "ParameterValue": ctx.state["stack_bucket"]}],
        Capabilities=["CAPABILITY_IAM"],
        OnFailure="DELETE",
        Tags=ctx.tags,
    )
    cloudformation.get_waiter("stack_create_complete").wait(
        StackName=ctx.state["stack"], WaiterConfig={"Delay": 10 if ctx.target == "aws" else 0, "MaxAttempts": 60}
    )


def check_create(ctx: LabContext) -> str:
    cloudformation = ctx.client("cloudformation")
    stack = cloudformation.describe_stacks(StackName=ctx.state["stack"])["Stacks"][0]
    expect("stack status", "CREATE_COMPLETE", stack["StackStatus"])
    resources = cloudformation.describe_stack_resources(StackName=ctx.state["stack"])["StackResources"]
    expect("resource types", ["AWS::IAM::Role", "AWS::S3::Bucket"], sorted(r["ResourceType"] for r in resources))
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    expect("BucketName output", ctx.state["stack_bucket"], outputs["BucketName"])
    ctx.state["role_name"] = outputs["RoleArn"].rsplit("/", 1)[1]
    return "CREATE_COMPLETE with a bucket and a role, outputs BucketName and RoleArn"


def inspect(ctx: LabContext) -> None:
    s3, iam = ctx.client("s3"), ctx.client("iam")
    ctx.state["encryption"] = s3.get_bucket_encryption(Bucket=ctx.state["stack_bucket"])[
        "ServerSideEncryptionConfiguration"
    ]
    ctx.state["trust"] = policy_document(
        iam.get_role(RoleName=ctx.state["role_name"])["Role"]["AssumeRolePolicyDocument"]
    )


def check_inspect(ctx: LabContext) -> str:
    algorithm = ctx.state["encryption"]["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]
    expect("bucket default encryption", "aws:kms", algorithm)
    principals = [s["Principal"]["Service"] for s in ctx.state["trust"]["Statement"]]
    expect("role trusted service", ["sagemaker.amazonaws.com"], principals)
    return "the bucket the stack made is SSE-KMS encrypted and only SageMaker may assume its role"


STEPS = [
    Step(
        "Validate the template",
        "ValidateTemplate catches syntax errors; GetTemplateSummary lists parameters and resource types.",
        validate,
        check_validate,
    ),
    Step(
        "Create the stack",
        "One stack creates, updates and deletes the project's resources "
        "together; the IAM capability must be acknowledged.",
        create,
        check_create,
    ),
    Step(
        "Inspect what the stack made",
        "Infrastructure as code is only as good as what it creates: read the real resources back.",
        inspect,
        check_inspect,
    ),
]
