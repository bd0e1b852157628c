"""A real-time SageMaker endpoint with a target tracking auto scaling policy."""

from __future__ import annotations

from srscards.labs import LabContext, Step, expect
from srscards.labs.blocks import (
    INSTANCE_TYPE,
    check_model,
    create_model,
    make_bucket,
    make_role,
    trained_model,
    wait_for_endpoint,
)

TITLE = "Real-time endpoint with target tracking auto scaling"
RESOURCES = [
    "1 S3 bucket with a small model package",
    "1 IAM execution role",
    "1 SageMaker model, 1 endpoint configuration, 1 endpoint on 1 ml.m5.large (about 10 minutes)",
    "1 Application Auto Scaling target and target tracking policy (with its CloudWatch alarms)",
]
COST = "one ml.m5.large real-time endpoint for about 10 minutes and the CloudWatch alarms of its scaling policy"
RESOURCE_ID = "endpoint/{endpoint}/variant/AllTraffic"
DIMENSION = "sagemaker:variant:DesiredInstanceCount"


def model(ctx: LabContext) -> None:
    make_bucket(ctx)
    make_role(ctx, ctx.state["bucket"], "lab/")
    trained_model(ctx)
    create_model(ctx)


def endpoint(ctx: LabContext) -> None:
    sm = ctx.client("sagemaker")
    config, name = ctx.name("config"), ctx.name("endpoint")
    sm.create_endpoint_config(
        EndpointConfigName=config,
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": ctx.state["model"],
                "InitialInstanceCount": 1,
                "InstanceType": INSTANCE_TYPE,
                "InitialVariantWeight": 1.0,
            }
        ],
        Tags=ctx.tags,
    )
    sm.create_endpoint(EndpointName=name, EndpointConfigName=config, Tags=ctx.tags)
    ctx.state.update(config=config, endpoint=name, status=wait_for_endpoint(ctx, name))


def check_endpoint(ctx: LabContext) -> str:
    expect("endpoint status", "InService", ctx.state["status"])
    found = ctx.client("sagemaker").describe_endpoint(EndpointName=ctx.state["endpoint"])
    expect("endpoint config", ctx.state["config"], found["EndpointConfigName"])
    return f"endpoint {ctx.state['endpoint']} is InService with one ml.m5.large"


def invoke(ctx: LabContext) -> None:
    from srscards.labs.localml import features_csv

    body = features_csv(ctx.state["dataset"].x_test[:3])
    response = ctx.client("sagemaker-runtime").invoke_endpoint(
        EndpointName=ctx.state["endpoint"], ContentType="text/csv", Accept="text/csv", Body=body
    )
    ctx.state["prediction"] = response["Body"].read().decode()
    ctx.state["body"] = body


def check_invoke(ctx: LabContext) -> str:
    if ctx.target != "aws":
        expect("emulator's canned prediction", "body", ctx.state["prediction"])
        return "the endpoint answered (the emulator returns a canned 'body'; see the README)"
    from srscards.labs.localml import serve_locally

    expected = serve_locally(ctx.state["archive"], ctx.state["body"], ctx.work_dir)
    found = [round(float(v), 4) for v in ctx.state["prediction"].split()]
    expect("endpoint scores", [round(v, 4) for v in expected], found)
    return "the endpoint's scores match the local model's scores"


def scaling(ctx: LabContext) -> None:
    resource = RESOURCE_ID.format(endpoint=ctx.state["endpoint"])
    autoscaling = ctx.client("application-autoscaling")
    autoscaling.register_scalable_target(
        ServiceNamespace="sagemaker", ResourceId=resource, ScalableDimension=DIMENSION, MinCapacity=1, MaxCapacity=3
    )
    autoscaling.put_scaling_policy(
        PolicyName=ctx.name("invocations"),
        ServiceNamespace="sagemaker",
        ResourceId=resource,
        ScalableDimension=DIMENSION,
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 100.0,
            "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
            "ScaleOutCooldown": 60,
            "ScaleInCooldown": 300,
        },
    )


def check_scaling(ctx: LabContext) -> str:
    resource = RESOURCE_ID.format(endpoint=ctx.state["endpoint"])
    autoscaling = ctx.client("application-autoscaling")
    target = autoscaling.describe_scalable_targets(ServiceNamespace="sagemaker", ResourceIds=[resource])[
        "ScalableTargets"
    ]
    expect("scalable target capacity (min, max)", [(1, 3)], [(t["MinCapacity"], t["MaxCapacity"]) for t in target])
    policies = autoscaling.describe_scaling_policies(ServiceNamespace="sagemaker", ResourceId=resource)[
        "ScalingPolicies"
    ]
    expect("policy types", ["TargetTrackingScaling"], [p["PolicyType"] for p in policies])
    config = policies[0]["TargetTrackingScalingPolicyConfiguration"]
    metric = config["PredefinedMetricSpecification"]["PredefinedMetricType"]
    expect("tracked metric", "SageMakerVariantInvocationsPerInstance", metric)
    expect("target value", 100.0, config["TargetValue"])
    expect("cooldowns (out, in)", (60, 300), (config["ScaleOutCooldown"], config["ScaleInCooldown"]))
    return "1 to 3 instances, tracking 100 invocations per instance per minute; fast scale-out, slow scale-in"


STEPS = [
    Step(
        "Train, package and register a model",
        "A scikit-learn model trained locally, packaged for the SageMaker "
        "scikit-learn container, becomes a SageMaker model.",
        model,
        check_model,
    ),
    Step(
        "Create the endpoint",
        "The endpoint configuration names the variant, instance type and count; the endpoint runs it.",
        endpoint,
        check_endpoint,
    ),
    Step("Invoke the endpoint", "InvokeEndpoint sends CSV rows and gets scores back.", invoke, check_invoke),
    Step(
        "Add target tracking auto scaling",
        "Application Auto Scaling keeps invocations per instance near the "
        "target by changing the variant's instance count.",
        scaling,
        check_scaling,
    ),
]
