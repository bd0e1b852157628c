"""A SageMaker training job with the built-in XGBoost algorithm on data prepared locally."""

from __future__ import annotations

from srscards.labs import LabContext, Step, expect
from srscards.labs.blocks import INSTANCE_TYPE, check_role, make_bucket, make_role, xgboost_image
from srscards.labs.localml import breast_cancer, label_first_csv

TITLE = "SageMaker training job with built-in XGBoost on locally prepared data"
RESOURCES = [
    "1 S3 bucket with the training and validation CSV files and the model artefact",
    "1 IAM execution role",
    "1 SageMaker training job on 1 ml.m5.large instance (about 3 to 5 minutes)",
]
COST = "one ml.m5.large training job of 3 to 5 minutes and a few KB in S3"
PREFIX = "xgb/"
HYPERPARAMETERS = {
    "objective": "binary:logistic",
    "eval_metric": "auc",
    "num_round": "100",
    "max_depth": "4",
    "eta": "0.2",
    "subsample": "0.8",
    "early_stopping_rounds": "10",
}


def prepare(ctx: LabContext) -> None:
    data = breast_cancer(seed=0)
    ctx.state["train_csv"] = label_first_csv(data.x_train, data.y_train)
    ctx.state["validation_csv"] = label_first_csv(data.x_test, data.y_test)


def check_prepare(ctx: LabContext) -> str:
    rows = ctx.state["train_csv"].decode().splitlines()
    expect("training rows", 455, len(rows))
    expect("columns per row (label + 30 features)", 31, len(rows[0].split(",")))
    expect("labels", {"0", "1"}, {row.split(",", 1)[0] for row in rows})
    return "455 training and 114 validation rows, label first, no header (the layout built-in XGBoost reads)"


def upload(ctx: LabContext) -> None:
    bucket = make_bucket(ctx)
    s3 = ctx.client("s3")
    s3.put_object(Bucket=bucket, Key=f"{PREFIX}train/train.csv", Body=ctx.state["train_csv"])
    s3.put_object(Bucket=bucket, Key=f"{PREFIX}validation/validation.csv", Body=ctx.state["validation_csv"])
    make_role(ctx, bucket, PREFIX)


def check_upload(ctx: LabContext) -> str:
    s3 = ctx.client("s3")
    listed = s3.list_objects_v2(Bucket=ctx.state["bucket"], Prefix=PREFIX)["Contents"]
    expect(
        "uploaded keys", [f"{PREFIX}train/train.csv", f"{PREFIX}validation/validation.csv"], [o["Key"] for o in listed]
    )
    check_role(ctx)
    return "both channels are in S3 and the execution role exists"


def train(ctx: LabContext) -> None:
    bucket = ctx.state["bucket"]
    name = ctx.name("xgb")

    def channel(channel_name: str) -> dict[str, object]:
        return {
            "ChannelName": channel_name,
            "ContentType": "text/csv",
            "DataSource": {
                "S3DataSource": {
                    "S3DataType": "S3Prefix",
                    "S3Uri": f"s3://{bucket}/{PREFIX}{channel_name}/",
                    "S3DataDistributionType": "FullyReplicated",
                }
            },
        }

    ctx.client("sagemaker").create_training_job(
        TrainingJobName=name,
        AlgorithmSpecification={"TrainingImage": xgboost_image(ctx.region), "TrainingInputMode": "File"},
        RoleArn=ctx.state["role_arn"],
        InputDataConfig=[channel("train"), channel("validation")],
        OutputDataConfig={"S3OutputPath": f"s3://{bucket}/{PREFIX}output/"},
        ResourceConfig={"InstanceType": INSTANCE_TYPE, "InstanceCount": 1, "VolumeSizeInGB": 5},
        StoppingCondition={"MaxRuntimeInSeconds": 900},
        HyperParameters=HYPERPARAMETERS,
        Tags=ctx.tags,
    )
    ctx.state["job"] = name
    if ctx.target == "aws":
        ctx.client("sagemaker").get_waiter("training_job_completed_or_stopped").wait(
            TrainingJobName=name, WaiterConfig={"Delay": 30, "MaxAttempts": 40}
        )


def check_train(ctx: LabContext) -> str:
    job = ctx.client("sagemaker").describe_training_job(TrainingJobName=ctx.state["job"])
    expect("training job status", "Completed", job["TrainingJobStatus"])
    expect("algorithm image", xgboost_image(ctx.region), job["AlgorithmSpecification"]["TrainingImage"])
    expect(
        "hyperparameters", HYPERPARAMETERS, {k: v for k, v in job["HyperParameters"].items() if k in HYPERPARAMETERS}
    )
    artefact = job["ModelArtifacts"]["S3ModelArtifacts"]
    expect(
        "model artefact", f"s3://{ctx.state['bucket']}/{PREFIX}output/{ctx.state['job']}/output/model.tar.gz", artefact
    )
    return f"job {ctx.state['job']} Completed with the XGBoost image and its hyperparameters; model at {artefact}"


STEPS = [
    Step(
        "Prepare the data locally",
        "Built-in XGBoost reads CSV with the label in the first column and "
        "no header; a stratified split keeps class balance.",
        prepare,
        check_prepare,
    ),
    Step(
        "Upload the channels and create the role",
        "Each channel (train, validation) is an S3 prefix; the role may read and write only the lab's prefix.",
        upload,
        check_upload,
    ),
    Step(
        "Run the training job",
        "CreateTrainingJob names the algorithm image, the channels, the "
        "instance and the hyperparameters; SageMaker does the rest.",
        train,
        check_train,
    ),
]
