"""Cost controls: an AWS Budgets budget with alerts, and cost allocation tags on ML resources."""

from __future__ import annotations

from srscards.labs import LabContext, Step, expect
from srscards.labs.blocks import make_bucket
from srscards.labs.cleanup import budget_name

TITLE = "Cost controls: budgets with alerts and cost allocation tags"
RESOURCES = [
    "1 AWS Budgets cost budget (USD 50 a month) with 2 notifications",
    "1 S3 bucket carrying cost allocation tags",
]
COST = "one AWS Budgets cost budget with two e-mail notifications and an empty, tagged S3 bucket"
COST_TAGS = {"project": "churn-model", "cost-center": "ml-research"}
ALERT_EMAIL = "ml-team@example.com"


def tag_resources(ctx: LabContext) -> None:
    bucket = make_bucket(ctx, "costs")
    tags = ctx.tags + [{"Key": k, "Value": v} for k, v in COST_TAGS.items()]
    ctx.client("s3").put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tags})


def check_tags(ctx: LabContext) -> str:
    tagging = ctx.client("resourcegroupstaggingapi")
    found = tagging.get_resources(TagFilters=[{"Key": "project", "Values": [COST_TAGS["project"]]}])
    arns = [m["ResourceARN"] for m in found["ResourceTagMappingList"]]
    expect("resources tagged project=churn-model", [f"arn:aws:s3:::{ctx.state['bucket']}"], arns)
    return "the Tagging API finds the bucket by its project tag, as Cost Explorer will once the tag is activated"


def budget(ctx: LabContext) -> None:
    ctx.state["budget"] = budget_name(ctx.lab, ctx.suffix)
    ctx.client("budgets").create_budget(
        AccountId=ctx.account,
        Budget={
            "BudgetName": ctx.state["budget"],
            "BudgetType": "COST",
            "TimeUnit": "MONTHLY",
            "BudgetLimit": {"Amount": "50", "Unit": "USD"},
            "CostFilters": {"TagKeyValue": [f"user:project${COST_TAGS['project']}"]},
        },
        NotificationsWithSubscribers=[
            {
                "Notification": {
                    "NotificationType": kind,
                    "ComparisonOperator": "GREATER_THAN",
                    "Threshold": threshold,
                    "ThresholdType": "PERCENTAGE",
                },
                "Subscribers": [{"SubscriptionType": "EMAIL", "Address": ALERT_EMAIL}],
            }
            for kind, threshold in (("ACTUAL", 80.0), ("FORECASTED", 100.0))
        ],
    )


def check_budget(ctx: LabContext) -> str:
    budgets = ctx.client("budgets")
    found = budgets.describe_budget(AccountId=ctx.account, BudgetName=ctx.state["budget"])["Budget"]
    limit = found["BudgetLimit"]
    expect("budget limit", (50.0, "USD"), (float(limit["Amount"]), limit["Unit"]))
    expect("budget filter", {"TagKeyValue": ["user:project$churn-model"]}, found.get("CostFilters"))
    notes = budgets.describe_notifications_for_budget(AccountId=ctx.account, BudgetName=ctx.state["budget"])
    found_notes = sorted((n["NotificationType"], float(n["Threshold"])) for n in notes["Notifications"])
    expect("notifications", [("ACTUAL", 80.0), ("FORECASTED", 100.0)], found_notes)
    return "USD 50 a month for project=churn-model; e-mail at 80 % actual and 100 % forecast"


STEPS = [
    Step(
        "Tag resources for cost allocation",
        "Cost Explorer and budgets can split costs only by tags that "
        "resources carry (and that are activated in Billing).",
        tag_resources,
        check_tags,
    ),
    Step(
        "Create a budget with alerts",
        "A budget warns before the bill does: on actual spend past 80 % and on a forecast past 100 %.",
        budget,
        check_budget,
    ),
]
