"""CloudTrail audit of ML actions: a trail with log file validation and S3 data events on the model bucket."""

from __future__ import annotations

import json

from srscards.labs import LabContext, Step, expect
from srscards.labs.blocks import check_bucket, make_bucket

TITLE = "CloudTrail audit trail for ML actions"
RESOURCES = [
    "1 S3 bucket for the trail's log files",
    "1 CloudTrail trail (single region) with S3 data events on one prefix",
]
COST = (
    "one single-region trail delivering management events and S3 data events on one prefix for "
    "the minutes of the run, and the log files it writes to S3"
)


def bucket(ctx: LabContext) -> None:
    bucket = make_bucket(ctx, "audit")
    account = ctx.account
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "CloudTrailAclCheck",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:GetBucketAcl",
                "Resource": f"arn:aws:s3:::{bucket}",
            },
            {
                "Sid": "CloudTrailWrite",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{bucket}/AWSLogs/{account}/*",
                "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
            },
        ],
    }
    ctx.client("s3").put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))


def check_policy(ctx: LabContext) -> str:
    check_bucket(ctx)
    policy = json.loads(ctx.client("s3").get_bucket_policy(Bucket=ctx.state["bucket"])["Policy"])
    principals = {s["Principal"]["Service"] for s in policy["Statement"]}
    expect("principals in the bucket policy", {"cloudtrail.amazonaws.com"}, principals)
    return "only CloudTrail may write log files, and only under AWSLogs/ACCOUNT/"


def trail(ctx: LabContext) -> None:
    ctx.state["trail"] = ctx.name("ml-audit")
    ctx.client("cloudtrail").create_trail(
        Name=ctx.state["trail"],
        S3BucketName=ctx.state["bucket"],
        IsMultiRegionTrail=False,
        EnableLogFileValidation=True,
        IncludeGlobalServiceEvents=True,
        TagsList=ctx.tags,
    )


def check_trail(ctx: LabContext) -> str:
    found = ctx.client("cloudtrail").get_trail(Name=ctx.state["trail"])["Trail"]
    expect("log file validation", True, found["LogFileValidationEnabled"])
    expect("log bucket", ctx.state["bucket"], found["S3BucketName"])
    return "the trail writes to the audit bucket with log file validation (tamper evidence) on"


def data_events(ctx: LabContext) -> None:
    ctx.client("cloudtrail").put_event_selectors(
        TrailName=ctx.state["trail"],
        EventSelectors=[
            {
                "ReadWriteType": "All",
                "IncludeManagementEvents": True,
                "DataResources": [
                    {"Type": "AWS::S3::Object", "Values": [f"arn:aws:s3:::{ctx.state['bucket']}/models/"]}
                ],
            }
        ],
    )


def check_data_events(ctx: LabContext) -> str:
    selectors = ctx.client("cloudtrail").get_event_selectors(TrailName=ctx.state["trail"])["EventSelectors"]
    expect("management events", [True], [s["IncludeManagementEvents"] for s in selectors])
    values = [v for s in selectors for d in s["DataResources"] for v in d["Values"]]
    expect("data event resources", [f"arn:aws:s3:::{ctx.state['bucket']}/models/"], values)
    return "management events (every SageMaker API call) plus object reads and writes under models/ are recorded"


def start(ctx: LabContext) -> None:
    ctx.client("cloudtrail").start_logging(Name=ctx.state["trail"])


def check_start(ctx: LabContext) -> str:
    status = ctx.client("cloudtrail").get_trail_status(Name=ctx.state["trail"])
    expect("trail is logging", True, status["IsLogging"])
    return "the trail is logging"


STEPS = [
    Step(
        "Create the log bucket",
        "CloudTrail writes log files to S3; the bucket policy lets only CloudTrail write.",
        bucket,
        check_policy,
    ),
    Step(
        "Create the trail",
        "Log file validation adds signed digest files, so tampering with a log file can be detected.",
        trail,
        check_trail,
    ),
    Step(
        "Record data events for the model prefix",
        "Management events show who created or deployed what; S3 data "
        "events show who read or replaced a model artefact.",
        data_events,
        check_data_events,
    ),
    Step("Start logging", "A trail records nothing until logging is started.", start, check_start),
]
