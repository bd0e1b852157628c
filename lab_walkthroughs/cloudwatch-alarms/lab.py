"""CloudWatch alarms on SageMaker endpoint metrics, with an SNS topic for notifications."""

from __future__ import annotations

from srscards.labs import LabContext, Step, expect

TITLE = "CloudWatch alarms on SageMaker endpoint metrics"
RESOURCES = ["1 SNS topic", "2 CloudWatch alarms (ModelLatency and Invocation5XXErrors of an endpoint name)"]
COST = "two CloudWatch alarms and an SNS topic, for the minutes of the run"
ENDPOINT = "churn-endpoint"


def topic(ctx: LabContext) -> None:
    ctx.state["topic"] = ctx.client("sns").create_topic(Name=ctx.name("alerts"), Tags=ctx.tags)["TopicArn"]


def check_topic(ctx: LabContext) -> str:
    arns = [t["TopicArn"] for t in ctx.client("sns").list_topics()["Topics"]]
    expect("topic exists", True, ctx.state["topic"] in arns)
    return "the alarm topic exists"


def alarms(ctx: LabContext) -> None:
    cloudwatch = ctx.client("cloudwatch")
    dimensions = [{"Name": "EndpointName", "Value": ENDPOINT}, {"Name": "VariantName", "Value": "AllTraffic"}]
    cloudwatch.put_metric_alarm(
        AlarmName=ctx.name("latency"),
        AlarmDescription="p90 model latency above 500 ms for 3 of 5 minutes",
        Namespace="AWS/SageMaker",
        MetricName="ModelLatency",
        Dimensions=dimensions,
        ExtendedStatistic="p90",
        Period=60,
        EvaluationPeriods=5,
        DatapointsToAlarm=3,
        Threshold=500_000.0,  # ModelLatency is in microseconds
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching",
        AlarmActions=[ctx.state["topic"]],
        Tags=ctx.tags,
    )
    cloudwatch.put_metric_alarm(
        AlarmName=ctx.name("errors"),
        AlarmDescription="any 5XX error from the model container",
        Namespace="AWS/SageMaker",
        MetricName="Invocation5XXErrors",
        Dimensions=dimensions,
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=0.0,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching",
        AlarmActions=[ctx.state["topic"]],
        Tags=ctx.tags,
    )


def check_alarms(ctx: LabContext) -> str:
    found = ctx.client("cloudwatch").describe_alarms(AlarmNames=[ctx.name("latency"), ctx.name("errors")])[
        "MetricAlarms"
    ]
    by_metric = {a["MetricName"]: a for a in found}
    expect("alarmed metrics", ["Invocation5XXErrors", "ModelLatency"], sorted(by_metric))
    latency = by_metric["ModelLatency"]
    expect("latency statistic", "p90", latency.get("ExtendedStatistic"))
    expect("latency threshold (microseconds)", 500_000.0, latency["Threshold"])
    expect("latency M of N", (3, 5), (latency.get("DatapointsToAlarm"), latency["EvaluationPeriods"]))
    expect("alarm actions", [ctx.state["topic"]], latency["AlarmActions"])
    expect("endpoint dimension", ENDPOINT, {d["Name"]: d["Value"] for d in latency["Dimensions"]}["EndpointName"])
    return "p90 ModelLatency > 500 ms (3 of 5 minutes) and any 5XX error notify the topic"


def breach(ctx: LabContext) -> None:
    ctx.client("cloudwatch").set_alarm_state(
        AlarmName=ctx.name("errors"), StateValue="ALARM", StateReason="lab: testing the notification path"
    )


def check_breach(ctx: LabContext) -> str:
    alarm = ctx.client("cloudwatch").describe_alarms(AlarmNames=[ctx.name("errors")])["MetricAlarms"][0]
    expect("alarm state", "ALARM", alarm["StateValue"])
    return (
        "SetAlarmState put the 5XX alarm into ALARM, the way to test the notification path without breaking the model"
    )


STEPS = [
    Step("Create an SNS topic", "Alarms notify people or automation through an SNS topic.", topic, check_topic),
    Step(
        "Create the alarms",
        "Latency as a percentile (p90) catches slow tails that an average hides; 3 of 5 datapoints avoids flapping.",
        alarms,
        check_alarms,
    ),
    Step("Test the alarm", "SetAlarmState fires an alarm on purpose to test who gets told.", breach, check_breach),
]
