"""Building blocks that several labs share: a tagged bucket, a SageMaker execution role, image URIs.

Each block creates one thing the way the walkthroughs teach it (tagged, least privilege,
encrypted) so the labs stay short and agree with each other.
"""

from __future__ import annotations

import json
from typing import Any

from srscards.labs.cleanup import ROLE_PATH
from srscards.labs.localml import SKLEARN_IMAGE_TAG, breast_cancer, package, sklearn_container_env, train_logistic
from srscards.labs.steps import LabContext, LabError, expect

# Account that publishes the SageMaker built-in XGBoost image in each region
# (https://docs.aws.amazon.com/sagemaker/latest/dg-ecr-paths/sagemaker-algo-docker-registry-paths.html).
XGBOOST_ACCOUNTS = {
    "us-east-1": "683313688378",
    "us-east-2": "257758044811",
    "us-west-1": "746614075791",
    "us-west-2": "246618743249",
    "eu-west-1": "141502667606",
    "eu-west-2": "764974769150",
    "eu-central-1": "492215442770",
    "ap-northeast-1": "354813040037",
    "ap-southeast-1": "121021644041",
    "ap-southeast-2": "783357654285",
}
XGBOOST_VERSION = "1.7-1"
INSTANCE_TYPE = "ml.m5.large"


def xgboost_image(region: str) -> str:
    """The built-in XGBoost container image URI for `region`."""
    account = XGBOOST_ACCOUNTS.get(region)
    if account is None:
        raise LabError(f"no XGBoost image account known for {region}: use one of {', '.join(sorted(XGBOOST_ACCOUNTS))}")
    return f"{account}.dkr.ecr.{region}.amazonaws.com/sagemaker-xgboost:{XGBOOST_VERSION}"


def make_bucket(ctx: LabContext, part: str = "data") -> str:
    """A private, SSE-S3 encrypted, tagged bucket; its name goes to ctx.state['bucket']."""
    s3 = ctx.client("s3")
    bucket = ctx.name(part)
    kwargs = {} if ctx.region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": ctx.region}}
    s3.create_bucket(Bucket=bucket, **kwargs)
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": ctx.tags})
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    ctx.state["bucket"] = bucket
    return bucket


def check_bucket(ctx: LabContext) -> str:
    bucket = ctx.state["bucket"]
    expect("bucket tags", ctx.tags, ctx.client("s3").get_bucket_tagging(Bucket=bucket)["TagSet"])
    return f"bucket {bucket} exists, private and tagged"


def trust_policy(service: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
    }


def bucket_prefix_policy(bucket: str, prefix: str) -> dict[str, Any]:
    """Read and write under one prefix of one bucket, list only that prefix, write logs: nothing more."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadWriteLabPrefix",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": [f"arn:aws:s3:::{bucket}/{prefix}*"],
            },
            {
                "Sid": "ListLabPrefix",
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::{bucket}"],
                "Condition": {"StringLike": {"s3:prefix": [f"{prefix}*"]}},
            },
            {
                "Sid": "TrainingLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": ["arn:aws:logs:*:*:log-group:/aws/sagemaker/*"],
            },
        ],
    }


def make_role(
    ctx: LabContext, bucket: str, prefix: str = "lab/", part: str = "role", service: str = "sagemaker.amazonaws.com"
) -> str:
    """An execution role `service` may assume, limited to one bucket prefix; its ARN goes to ctx.state['role_arn']."""
    iam = ctx.client("iam")
    name = ctx.name(part)
    role = iam.create_role(
        RoleName=name,
        Path=ROLE_PATH,
        AssumeRolePolicyDocument=json.dumps(trust_policy(service)),
        Description=f"srscards lab {ctx.lab}",
        Tags=ctx.tags,
    )["Role"]
    iam.put_role_policy(
        RoleName=name, PolicyName="lab-data-access", PolicyDocument=json.dumps(bucket_prefix_policy(bucket, prefix))
    )
    ctx.state["role_name"] = name
    ctx.state["role_arn"] = role["Arn"]
    return role["Arn"]


def check_role(ctx: LabContext) -> str:
    iam = ctx.client("iam")
    role = iam.get_role(RoleName=ctx.state["role_name"])["Role"]
    principals = [s["Principal"].get("Service") for s in policy_document(role["AssumeRolePolicyDocument"])["Statement"]]
    expect("trusted service", ["sagemaker.amazonaws.com"], principals)
    return f"role {ctx.state['role_name']} exists and only SageMaker may assume it"


def policy_document(value: Any) -> dict[str, Any]:
    """IAM returns policy documents URL-decoded as a dict by boto3; older paths give a JSON string."""
    if isinstance(value, str):
        from urllib.parse import unquote

        return json.loads(unquote(value))
    return value


def put_object(ctx: LabContext, key: str, body: bytes) -> str:
    ctx.client("s3").put_object(Bucket=ctx.state["bucket"], Key=key, Body=body)
    return f"s3://{ctx.state['bucket']}/{key}"


def sklearn_image(region: str) -> str:
    """The SageMaker scikit-learn inference image URI (same publishing account as XGBoost)."""
    account = XGBOOST_ACCOUNTS.get(region)
    if account is None:
        raise LabError(
            f"no scikit-learn image account known for {region}: use one of {', '.join(sorted(XGBOOST_ACCOUNTS))}"
        )
    return f"{account}.dkr.ecr.{region}.amazonaws.com/sagemaker-scikit-learn:{SKLEARN_IMAGE_TAG}"


def trained_model(ctx: LabContext, prefix: str = "lab/") -> str:
    """Train the local classifier, package it, upload it; the S3 URI goes to ctx.state['model_data']."""
    data = breast_cancer(seed=0)
    trained = train_logistic(data)
    archive = package(trained.model, ctx.work_dir / "model.tar.gz")
    ctx.state.update(dataset=data, accuracy=trained.accuracy, trained=trained, archive=archive)
    ctx.client("s3").upload_file(str(archive), ctx.state["bucket"], f"{prefix}model/model.tar.gz")
    ctx.state["model_data"] = f"s3://{ctx.state['bucket']}/{prefix}model/model.tar.gz"
    return ctx.state["model_data"]


def create_model(ctx: LabContext, part: str = "model") -> str:
    """A SageMaker model of the packaged classifier on the scikit-learn image; name in ctx.state['model']."""
    name = ctx.name(part)
    ctx.client("sagemaker").create_model(
        ModelName=name,
        ExecutionRoleArn=ctx.state["role_arn"],
        PrimaryContainer={
            "Image": sklearn_image(ctx.region),
            "ModelDataUrl": ctx.state["model_data"],
            "Environment": sklearn_container_env(),
        },
        Tags=ctx.tags,
    )
    ctx.state["model"] = name
    return name


def check_model(ctx: LabContext) -> str:
    found = ctx.client("sagemaker").describe_model(ModelName=ctx.state["model"])
    expect("model artefact", ctx.state["model_data"], found["PrimaryContainer"]["ModelDataUrl"])
    expect("model image", sklearn_image(ctx.region), found["PrimaryContainer"]["Image"])
    expect("execution role", ctx.state["role_arn"], found["ExecutionRoleArn"])
    return f"model {ctx.state['model']} serves {ctx.state['model_data']} with the lab role"


def wait_for_endpoint(ctx: LabContext, name: str) -> str:
    """On AWS, wait until the endpoint is InService (several minutes); the emulator is there at once."""
    sm = ctx.client("sagemaker")
    if ctx.target == "aws":
        sm.get_waiter("endpoint_in_service").wait(EndpointName=name, WaiterConfig={"Delay": 30, "MaxAttempts": 40})
    return sm.describe_endpoint(EndpointName=name)["EndpointStatus"]
