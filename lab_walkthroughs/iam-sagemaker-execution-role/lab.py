"""A least-privilege IAM execution role for SageMaker: one trusted service, one bucket prefix."""

from __future__ import annotations

from srscards.labs import CheckFailed, LabContext, Step, expect
from srscards.labs.blocks import check_bucket, check_role, make_bucket, make_role, policy_document

TITLE = "Least-privilege IAM execution role for SageMaker"
RESOURCES = ["1 S3 bucket (empty)", "1 IAM role with one inline policy"]
COST = "nothing beyond an empty S3 bucket: IAM roles and policies have no additional charge"
PREFIX = "projects/churn/"


def bucket(ctx: LabContext) -> None:
    make_bucket(ctx)


def role(ctx: LabContext) -> None:
    make_role(ctx, ctx.state["bucket"], PREFIX)


def read_policy(ctx: LabContext) -> None:
    iam = ctx.client("iam")
    document = iam.get_role_policy(RoleName=ctx.state["role_name"], PolicyName="lab-data-access")["PolicyDocument"]
    ctx.state["policy"] = policy_document(document)
    ctx.state["attached"] = iam.list_attached_role_policies(RoleName=ctx.state["role_name"])["AttachedPolicies"]


def check_policy(ctx: LabContext) -> str:
    bucket = ctx.state["bucket"]
    expect("managed policies attached", [], ctx.state["attached"])
    statements = {s["Sid"]: s for s in ctx.state["policy"]["Statement"]}
    for sid, statement in statements.items():
        expect(f"{sid} effect", "Allow", statement["Effect"])
        if "*" in statement["Action"] or any(a.endswith(":*") for a in statement["Action"]):
            raise CheckFailed(f"{sid} actions: expected named actions, found {statement['Action']!r}")
    expect("object actions", ["s3:GetObject", "s3:PutObject"], sorted(statements["ReadWriteLabPrefix"]["Action"]))
    expect("object resources", [f"arn:aws:s3:::{bucket}/{PREFIX}*"], statements["ReadWriteLabPrefix"]["Resource"])
    expect("list resources", [f"arn:aws:s3:::{bucket}"], statements["ListLabPrefix"]["Resource"])
    expect("list condition", {"StringLike": {"s3:prefix": [f"{PREFIX}*"]}}, statements["ListLabPrefix"]["Condition"])
    return (
        f"the inline policy grants Get/PutObject on {PREFIX}* of one "
        f"bucket, List on that prefix, and logs; nothing else"
    )


def simulate(ctx: LabContext) -> None:
    """On AWS, ask IAM's policy simulator; the emulator does not implement it (see the README)."""
    if ctx.target != "aws":
        ctx.state["simulated"] = None
        return
    bucket = ctx.state["bucket"]
    cases = {
        ("s3:GetObject", f"arn:aws:s3:::{bucket}/{PREFIX}train.csv"): "allowed",
        ("s3:GetObject", f"arn:aws:s3:::{bucket}/other/secret.csv"): "implicitDeny",
        ("s3:DeleteObject", f"arn:aws:s3:::{bucket}/{PREFIX}train.csv"): "implicitDeny",
        ("s3:GetObject", "arn:aws:s3:::some-other-bucket/data.csv"): "implicitDeny",
    }
    found = {}
    for (action, resource), _ in cases.items():
        result = ctx.client("iam").simulate_principal_policy(
            PolicySourceArn=ctx.state["role_arn"], ActionNames=[action], ResourceArns=[resource]
        )["EvaluationResults"][0]
        found[(action, resource)] = result["EvalDecision"]
    ctx.state["simulated"] = (cases, found)


def check_simulation(ctx: LabContext) -> str:
    if ctx.state["simulated"] is None:
        return "skipped on the emulator (no policy simulator); the policy document was checked instead"
    cases, found = ctx.state["simulated"]
    for key, decision in cases.items():
        expect(f"decision for {key[0]} on {key[1]}", decision, found[key])
    return "the simulator allows the lab prefix and denies another prefix, another bucket and DeleteObject"


STEPS = [
    Step("Create the project bucket", "The role will be limited to one prefix of this bucket.", bucket, check_bucket),
    Step(
        "Create the execution role",
        "SageMaker assumes this role to read training data and write "
        "models; only sagemaker.amazonaws.com may assume it.",
        role,
        check_role,
    ),
    Step(
        "Read the inline policy back",
        "Least privilege means named actions on named resources: no s3:*, no Resource *, no AmazonSageMakerFullAccess.",
        read_policy,
        check_policy,
    ),
    Step(
        "Simulate requests (AWS only)",
        "The IAM policy simulator evaluates real requests against the role: allowed inside the prefix, denied outside.",
        simulate,
        check_simulation,
    ),
]
