"""S3 data lake with SSE-KMS default encryption, lifecycle rules and Block Public Access."""

from __future__ import annotations

from srscards.labs import LabContext, Step, expect

TITLE = "S3 data lake with KMS encryption, lifecycle rules and Block Public Access"
RESOURCES = [
    "1 KMS customer managed key (scheduled for deletion at cleanup, 7-day waiting period)",
    "1 S3 bucket with a few small CSV objects",
]
COST = (
    "one KMS customer managed key from creation until it is deleted after its 7-day waiting period, and a few KB in S3"
)


def create_key(ctx: LabContext) -> None:
    key = ctx.client("kms").create_key(
        Description=f"srscards lab {ctx.lab}", Tags=[{"TagKey": t["Key"], "TagValue": t["Value"]} for t in ctx.tags]
    )
    ctx.state["key_arn"] = key["KeyMetadata"]["Arn"]


def check_key(ctx: LabContext) -> str:
    meta = ctx.client("kms").describe_key(KeyId=ctx.state["key_arn"])["KeyMetadata"]
    expect("key state", "Enabled", meta["KeyState"])
    expect("key spec", "SYMMETRIC_DEFAULT", meta["KeySpec"])
    return "the key is an enabled symmetric key"


def create_bucket(ctx: LabContext) -> None:
    s3 = ctx.client("s3")
    bucket = ctx.name("lake")
    kwargs = {} if ctx.region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": ctx.region}}
    s3.create_bucket(Bucket=bucket, **kwargs)
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": ctx.tags})
    ctx.state["bucket"] = bucket


def check_bucket(ctx: LabContext) -> str:
    tags = ctx.client("s3").get_bucket_tagging(Bucket=ctx.state["bucket"])["TagSet"]
    expect("bucket tags", ctx.tags, tags)
    return f"bucket {ctx.state['bucket']} exists and carries the lab tag"


def block_public_access(ctx: LabContext) -> None:
    flags = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
    ctx.client("s3").put_public_access_block(
        Bucket=ctx.state["bucket"], PublicAccessBlockConfiguration={flag: True for flag in flags}
    )


def check_public_access(ctx: LabContext) -> str:
    found = ctx.client("s3").get_public_access_block(Bucket=ctx.state["bucket"])["PublicAccessBlockConfiguration"]
    for flag, value in found.items():
        expect(f"Block Public Access {flag}", True, value)
    return "all four Block Public Access settings are on"


def default_encryption(ctx: LabContext) -> None:
    ctx.client("s3").put_bucket_encryption(
        Bucket=ctx.state["bucket"],
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": ctx.state["key_arn"],
                    },
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )


def check_encryption(ctx: LabContext) -> str:
    s3 = ctx.client("s3")
    rule = s3.get_bucket_encryption(Bucket=ctx.state["bucket"])["ServerSideEncryptionConfiguration"]["Rules"][0]
    default = rule["ApplyServerSideEncryptionByDefault"]
    expect("default encryption algorithm", "aws:kms", default["SSEAlgorithm"])
    expect("default encryption key", ctx.state["key_arn"], default.get("KMSMasterKeyID"))
    expect("S3 Bucket Key", True, rule.get("BucketKeyEnabled"))
    return "default encryption is SSE-KMS with the lab's key and an S3 Bucket Key"


def lifecycle(ctx: LabContext) -> None:
    rules = [
        {
            "ID": "raw-to-infrequent-access",
            "Filter": {"Prefix": "raw/"},
            "Status": "Enabled",
            "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}, {"Days": 90, "StorageClass": "GLACIER"}],
        },
        {
            "ID": "expire-scratch",
            "Filter": {"Prefix": "tmp/"},
            "Status": "Enabled",
            "Expiration": {"Days": 7},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
        },
    ]
    ctx.client("s3").put_bucket_lifecycle_configuration(
        Bucket=ctx.state["bucket"], LifecycleConfiguration={"Rules": rules}
    )


def check_lifecycle(ctx: LabContext) -> str:
    rules = ctx.client("s3").get_bucket_lifecycle_configuration(Bucket=ctx.state["bucket"])["Rules"]
    by_id = {rule["ID"]: rule for rule in rules}
    expect("lifecycle rule ids", ["expire-scratch", "raw-to-infrequent-access"], sorted(by_id))
    raw = by_id["raw-to-infrequent-access"]
    expect(
        "raw/ transitions",
        [(30, "STANDARD_IA"), (90, "GLACIER")],
        [(t["Days"], t["StorageClass"]) for t in raw["Transitions"]],
    )
    expect("tmp/ expiration days", 7, by_id["expire-scratch"]["Expiration"]["Days"])
    return "raw/ moves to Standard-IA at 30 days and Glacier at 90; tmp/ expires after 7 days"


def upload(ctx: LabContext) -> None:
    s3 = ctx.client("s3")
    s3.put_object(Bucket=ctx.state["bucket"], Key="raw/sales/2026-01-01.csv", Body=b"store,amount\n1,20.5\n2,13.0\n")


def check_upload(ctx: LabContext) -> str:
    head = ctx.client("s3").head_object(Bucket=ctx.state["bucket"], Key="raw/sales/2026-01-01.csv")
    expect("object encryption", "aws:kms", head.get("ServerSideEncryption"))
    expect("object KMS key", ctx.state["key_arn"], head.get("SSEKMSKeyId"))
    return "an object uploaded without encryption headers was encrypted with the lab's KMS key"


STEPS = [
    Step(
        "Create a KMS customer managed key",
        "A customer managed key lets you control who may decrypt the data "
        "(key policy) and audit every use in CloudTrail.",
        create_key,
        check_key,
    ),
    Step(
        "Create the data lake bucket",
        "One bucket with raw/, curated/ and tmp/ prefixes, tagged for cleanup and cost reports.",
        create_bucket,
        check_bucket,
    ),
    Step(
        "Turn on Block Public Access",
        "Training data must never become public by a stray ACL or bucket policy; these four settings override both.",
        block_public_access,
        check_public_access,
    ),
    Step(
        "Set SSE-KMS default encryption",
        "Every new object is encrypted with the key without the writer "
        "asking; the S3 Bucket Key cuts KMS request costs.",
        default_encryption,
        check_encryption,
    ),
    Step(
        "Add lifecycle rules",
        "Raw data is read rarely after the first month: move it to cheaper classes, and expire scratch files.",
        lifecycle,
        check_lifecycle,
    ),
    Step(
        "Upload a file and read its encryption back",
        "The proof that default encryption works is an object written with "
        "no encryption headers that is encrypted anyway.",
        upload,
        check_upload,
    ),
]
