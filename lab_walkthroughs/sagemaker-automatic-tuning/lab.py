"""SageMaker automatic model tuning: a Bayesian search over XGBoost hyperparameters."""

from __future__ import annotations

from srscards.labs import LabContext, Step, expect
from srscards.labs.blocks import INSTANCE_TYPE, check_bucket, make_bucket, make_role, xgboost_image
from srscards.labs.localml import breast_cancer, label_first_csv

TITLE = "Automatic model tuning of built-in XGBoost"
RESOURCES = [
    "1 S3 bucket with training and validation CSV files",
    "1 IAM execution role",
    "1 hyperparameter tuning job running 4 training jobs, 2 at a time, on ml.m5.large (about 10 minutes)",
]
COST = "four ml.m5.large training jobs of a few minutes each (two at a time) and a few KB in S3"
PREFIX = "hpo/"
RANGES = {
    "ContinuousParameterRanges": [
        {"Name": "eta", "MinValue": "0.05", "MaxValue": "0.5", "ScalingType": "Logarithmic"},
        {"Name": "subsample", "MinValue": "0.5", "MaxValue": "1.0", "ScalingType": "Linear"},
    ],
    "IntegerParameterRanges": [{"Name": "max_depth", "MinValue": "2", "MaxValue": "8", "ScalingType": "Linear"}],
}


def data(ctx: LabContext) -> None:
    split = breast_cancer(seed=0)
    bucket = make_bucket(ctx)
    s3 = ctx.client("s3")
    s3.put_object(Bucket=bucket, Key=f"{PREFIX}train/train.csv", Body=label_first_csv(split.x_train, split.y_train))
    s3.put_object(
        Bucket=bucket, Key=f"{PREFIX}validation/validation.csv", Body=label_first_csv(split.x_test, split.y_test)
    )
    make_role(ctx, bucket, PREFIX)


def tune(ctx: LabContext) -> None:
    bucket, name = ctx.state["bucket"], ctx.name("tune")

    def channel(channel_name: str) -> dict[str, object]:
        uri = f"s3://{bucket}/{PREFIX}{channel_name}/"
        return {
            "ChannelName": channel_name,
            "ContentType": "text/csv",
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": uri}},
        }

    ctx.client("sagemaker").create_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=name,
        HyperParameterTuningJobConfig={
            "Strategy": "Bayesian",
            "HyperParameterTuningJobObjective": {"Type": "Maximize", "MetricName": "validation:auc"},
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 4, "MaxParallelTrainingJobs": 2},
            "ParameterRanges": RANGES,
            "TrainingJobEarlyStoppingType": "Auto",
        },
        TrainingJobDefinition={
            "AlgorithmSpecification": {"TrainingImage": xgboost_image(ctx.region), "TrainingInputMode": "File"},
            "RoleArn": ctx.state["role_arn"],
            "InputDataConfig": [channel("train"), channel("validation")],
            "OutputDataConfig": {"S3OutputPath": f"s3://{bucket}/{PREFIX}output/"},
            "ResourceConfig": {"InstanceType": INSTANCE_TYPE, "InstanceCount": 1, "VolumeSizeInGB": 5},
            "StoppingCondition": {"MaxRuntimeInSeconds": 900},
            "StaticHyperParameters": {"objective": "binary:logistic", "eval_metric": "auc", "num_round": "100"},
        },
        Tags=ctx.tags,
    )
    ctx.state["tuning_job"] = name
    if ctx.target == "aws":
        import time

        sm = ctx.client("sagemaker")
        for _ in range(60):
            status = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
            if status["HyperParameterTuningJobStatus"] not in ("InProgress", "Stopping"):
                break
            time.sleep(30)


def check_tune(ctx: LabContext) -> str:
    job = ctx.client("sagemaker").describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=ctx.state["tuning_job"]
    )
    config = job["HyperParameterTuningJobConfig"]
    expect("tuning job status", "Completed", job["HyperParameterTuningJobStatus"])
    expect("strategy", "Bayesian", config["Strategy"])
    expect(
        "objective", {"Type": "Maximize", "MetricName": "validation:auc"}, config["HyperParameterTuningJobObjective"]
    )
    expect(
        "training jobs (total, parallel)",
        (4, 2),
        (config["ResourceLimits"]["MaxNumberOfTrainingJobs"], config["ResourceLimits"]["MaxParallelTrainingJobs"]),
    )
    expect(
        "tuned parameters",
        ["eta", "max_depth", "subsample"],
        sorted(r["Name"] for kind in RANGES for r in config["ParameterRanges"][kind]),
    )
    if ctx.target == "aws":
        best = job["BestTrainingJob"]["FinalHyperParameterTuningJobObjectiveMetric"]
        return f"Completed; best validation:auc {best['Value']:.4f}"
    return "Completed with a Bayesian search of eta (log scale), subsample and max_depth, maximising validation:auc"


STEPS = [
    Step(
        "Upload the data and create the role",
        "The tuner launches ordinary training jobs over the same channels.",
        data,
        check_bucket,
    ),
    Step(
        "Run the tuning job",
        "Bayesian search uses the results so far to choose the next hyperparameters; log scaling suits learning rates.",
        tune,
        check_tune,
    ),
]
