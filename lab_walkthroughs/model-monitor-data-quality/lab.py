"""Model Monitor data quality: capture endpoint traffic, baseline the training data, schedule the checks."""

from __future__ import annotations

import json

from srscards.labs import CheckFailed, LabContext, Step, expect
from srscards.labs.blocks import INSTANCE_TYPE, check_model, create_model, make_bucket, make_role, trained_model

TITLE = "Model Monitor data quality: data capture, a baseline and a monitoring schedule"
RESOURCES = [
    "1 S3 bucket with a small model package, the baseline files and captured data",
    "1 IAM execution role, 1 SageMaker model, 1 endpoint configuration with data capture",
    "with --aws only: 1 endpoint on 1 ml.m5.large (about 10 minutes) and 1 hourly data quality monitoring schedule",
]
COST = (
    "one ml.m5.large real-time endpoint for about 10 minutes; the monitoring schedule is deleted before its first run"
)
# Account that publishes the Model Monitor analyzer image in each region.
ANALYZER_ACCOUNTS = {"us-east-1": "156813124566", "us-east-2": "777275614652", "us-west-2": "159807026194"}


def model(ctx: LabContext) -> None:
    make_bucket(ctx)
    make_role(ctx, ctx.state["bucket"])
    trained_model(ctx)
    create_model(ctx)


def capture(ctx: LabContext) -> None:
    ctx.state["config"] = ctx.name("captured")
    ctx.client("sagemaker").create_endpoint_config(
        EndpointConfigName=ctx.state["config"],
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": ctx.state["model"],
                "InstanceType": INSTANCE_TYPE,
                "InitialInstanceCount": 1,
            }
        ],
        DataCaptureConfig={
            "EnableCapture": True,
            "InitialSamplingPercentage": 100,
            "DestinationS3Uri": f"s3://{ctx.state['bucket']}/lab/capture/",
            "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
            "CaptureContentTypeHeader": {"CsvContentTypes": ["text/csv"]},
        },
        Tags=ctx.tags,
    )


def check_capture(ctx: LabContext) -> str:
    config = ctx.client("sagemaker").describe_endpoint_config(EndpointConfigName=ctx.state["config"])
    found = config["DataCaptureConfig"]
    expect("capture enabled", True, found["EnableCapture"])
    expect("sampling percentage", 100, found["InitialSamplingPercentage"])
    expect("captured", ["Input", "Output"], sorted(o["CaptureMode"] for o in found["CaptureOptions"]))
    return "every request and response of an endpoint made from this configuration goes to lab/capture/"


def _statistics(rows, names):  # type: ignore[no-untyped-def]
    """Per-feature statistics in the shape of Model Monitor's statistics.json."""
    return {
        "version": 0.0,
        "dataset": {"item_count": len(rows)},
        "features": [
            {
                "name": name,
                "inferred_type": "Fractional",
                "numerical_statistics": {
                    "common": {"num_present": len(rows), "num_missing": 0},
                    "mean": float(rows[:, i].mean()),
                    "std_dev": float(rows[:, i].std()),
                    "min": float(rows[:, i].min()),
                    "max": float(rows[:, i].max()),
                },
            }
            for i, name in enumerate(names)
        ],
    }


def baseline(ctx: LabContext) -> None:
    data = ctx.state["dataset"]
    names = [n.replace(" ", "_") for n in data.feature_names]
    statistics = _statistics(data.x_train, names)
    constraints = {
        "version": 0.0,
        "features": [
            {
                "name": n,
                "inferred_type": "Fractional",
                "completeness": 1.0,
                "num_constraints": {"is_non_negative": True},
            }
            for n in names
        ],
        "monitoring_config": {
            "evaluate_constraints": "Enabled",
            "distribution_constraints": {"perform_comparison": "Enabled", "comparison_threshold": 0.1},
        },
    }
    s3 = ctx.client("s3")
    for name, document in (("statistics", statistics), ("constraints", constraints)):
        s3.put_object(Bucket=ctx.state["bucket"], Key=f"lab/baseline/{name}.json", Body=json.dumps(document).encode())
    # A batch from a drifted world: every value 40 % higher than in training.
    drifted = _statistics(data.x_test * 1.4, names)
    ctx.state["drifted"] = [
        f["name"]
        for f, base in zip(drifted["features"], statistics["features"], strict=True)
        if abs(f["numerical_statistics"]["mean"] - base["numerical_statistics"]["mean"])
        > 3 * base["numerical_statistics"]["std_dev"] / len(data.x_test) ** 0.5
    ]
    ctx.state["names"] = names


def check_baseline(ctx: LabContext) -> str:
    body = ctx.client("s3").get_object(Bucket=ctx.state["bucket"], Key="lab/baseline/statistics.json")["Body"].read()
    statistics = json.loads(body)
    expect("baselined features", 30, len(statistics["features"]))
    expect("baselined rows", 455, statistics["dataset"]["item_count"])
    if len(ctx.state["drifted"]) < 25:
        raise CheckFailed(f"drift: expected most of 30 features flagged, found {len(ctx.state['drifted'])}")
    moved = len(ctx.state["drifted"])
    return f"baseline of 30 features from 455 rows; a 40 % shifted batch moves {moved} means out of bounds"


def schedule(ctx: LabContext) -> None:
    if ctx.target != "aws":
        ctx.state["schedule"] = None
        return
    account = ANALYZER_ACCOUNTS.get(ctx.region)
    if account is None:
        raise CheckFailed(f"analyzer image: expected a region among {sorted(ANALYZER_ACCOUNTS)}, found {ctx.region}")
    from srscards.labs.blocks import wait_for_endpoint

    bucket, name, endpoint = ctx.state["bucket"], ctx.name("quality"), ctx.name("endpoint")
    sm = ctx.client("sagemaker")
    sm.create_endpoint(EndpointName=endpoint, EndpointConfigName=ctx.state["config"], Tags=ctx.tags)
    wait_for_endpoint(ctx, endpoint)
    sm.create_monitoring_schedule(
        MonitoringScheduleName=name,
        MonitoringScheduleConfig={
            "ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"},
            "MonitoringType": "DataQuality",
            "MonitoringJobDefinition": {
                "BaselineConfig": {
                    "ConstraintsResource": {"S3Uri": f"s3://{bucket}/lab/baseline/constraints.json"},
                    "StatisticsResource": {"S3Uri": f"s3://{bucket}/lab/baseline/statistics.json"},
                },
                "MonitoringInputs": [
                    {"EndpointInput": {"EndpointName": endpoint, "LocalPath": "/opt/ml/processing/input"}}
                ],
                "MonitoringOutputConfig": {
                    "MonitoringOutputs": [
                        {"S3Output": {"S3Uri": f"s3://{bucket}/lab/reports/", "LocalPath": "/opt/ml/processing/output"}}
                    ]
                },
                "MonitoringResources": {
                    "ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 5}
                },
                "MonitoringAppSpecification": {
                    "ImageUri": f"{account}.dkr.ecr.{ctx.region}.amazonaws.com/sagemaker-model-monitor-analyzer"
                },
                "RoleArn": ctx.state["role_arn"],
            },
        },
        Tags=ctx.tags,
    )
    ctx.state["schedule"] = name


def check_schedule(ctx: LabContext) -> str:
    if ctx.state["schedule"] is None:
        return "not created on the emulator (it lacks Model Monitor schedules); run with --aws to create it"
    found = ctx.client("sagemaker").describe_monitoring_schedule(MonitoringScheduleName=ctx.state["schedule"])
    expect("schedule status", "Scheduled", found["MonitoringScheduleStatus"])
    return "an hourly data quality job compares captured traffic with the baseline"


STEPS = [
    Step(
        "Train locally and create the model",
        "Monitoring compares live traffic with what the model was trained on.",
        model,
        check_model,
    ),
    Step(
        "Turn on data capture",
        "Model Monitor analyses what the endpoint received and answered; data capture writes it to S3.",
        capture,
        check_capture,
    ),
    Step(
        "Baseline the training data",
        "Statistics and constraints of the training data are what later traffic is compared with.",
        baseline,
        check_baseline,
    ),
    Step(
        "Schedule data quality monitoring (AWS only)",
        "An hourly job checks the captured data against the baseline and reports violations to CloudWatch.",
        schedule,
        check_schedule,
    ),
]
