"""Finding and deleting what a lab left behind, by its `srscards-lab` tag.

The Resource Groups Tagging API finds most resources; services it does not cover (IAM roles,
budgets, and a few that the emulator leaves out of it) are listed directly. Deletion runs in
dependency order: a stack before its parts, an endpoint before its model, a bucket's objects
before the bucket, a KMS key last (scheduled for deletion, as AWS requires).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from srscards.labs.steps import TAG_KEY

ROLE_PATH = "/srscards/"
"""Lab IAM roles live under this path, so finding them lists only a few roles."""

_ACTIVE_JOB = {"InProgress", "Stopping"}


def budget_name(lab: str, suffix: str) -> str:
    """Budgets are found by name, since the tag APIs do not list them: `srscards-<lab>-<suffix>`."""
    return f"srscards-{lab}-{suffix}"


@dataclass
class CleanupReport:
    """What a cleanup deleted (ARNs) and what it could not delete, with the reason."""

    deleted: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    """Resources the emulator cannot delete (moto raises NotImplementedError); they vanish with it."""
    interrupted: bool = False  # Ctrl-C stopped the cleanup; `failed` lists what is left
    untagged: list[str] = field(default_factory=list)
    """Left resources that the run created but that carry no lab tag yet (Ctrl-C fell between creating
    and tagging them): `srscards lab cleanup` finds them only when given their ARNs."""


STOPPED = "not deleted: Ctrl-C stopped the cleanup"


def find_leftovers(
    session: Any, region: str, lab: str, services: set[str] | None = None, also: Collection[str] = ()
) -> tuple[list[str], list[tuple[str, str]]]:
    """ARNs of the lab's resources that still exist, and the listings that failed (what, why).

    `services` (boto3 service names a run used) limits the direct listings to those services;
    without it every listing runs, as `srscards lab cleanup` must after a crashed run. `also` adds
    resources known by ARN (what a run created, whether or not it got as far as tagging it).
    """
    found, failed = _find(session, region, lab, services)
    live, unknown = _live(session, region, found | set(also))
    return live, failed + unknown


def _find(session: Any, region: str, lab: str, services: set[str] | None) -> tuple[set[str], list[tuple[str, str]]]:
    found: set[str] = set()
    failed: list[tuple[str, str]] = []
    for what, service, finder in _FINDERS:
        if services is not None and service and service not in services:
            continue
        try:
            found.update(finder(session, region, lab))
        except Exception as exc:  # a listing the profile may not be allowed; report it, go on
            failed.append((what, _reason(exc)))
    return found, failed


def _live(session: Any, region: str, arns: set[str]) -> tuple[list[str], list[tuple[str, str]]]:
    live = []
    failed: list[tuple[str, str]] = []
    for arn in sorted(arns, key=_order):
        try:
            if _still_there(session, region, arn):
                live.append(arn)
        except Exception as exc:
            if not _gone(exc):
                failed.append((arn, _reason(exc)))
    return live, failed


def can_delete(arn: str) -> bool:
    """Cleanup knows how to delete this kind of resource (IAM: roles only; EC2: network parts)."""
    if not arn.startswith("arn:") or arn.count(":") < 5:
        return False
    service, resource = _parts(arn)
    if not resource.strip("/") or any(ch.isspace() for ch in arn):
        return False
    if service == "iam":
        return resource.startswith("role/")
    if service == "kms":
        return resource.startswith("key/") and len(resource) > 4
    if service == "ec2":
        return resource.startswith(("vpc-endpoint/", "security-group/", "subnet/", "vpc/"))
    if service == "sagemaker":
        return resource.split("/", 1)[0] in _SAGEMAKER_KINDS
    return _order(arn)[0] < len(_ORDER)


def cleanup_lab(
    session: Any,
    region: str,
    lab: str,
    services: set[str] | None = None,
    *,
    created: Collection[str] = (),
    stop: Callable[[], bool] = lambda: False,
    on_delete: Callable[[str], None] = lambda arn: None,
) -> CleanupReport:
    """Delete every resource tagged with this lab, and those in `created`, in dependency order.

    `stop` is asked before each deletion: once it answers True (Ctrl-C under the run's guard)
    cleanup stops, and the report lists exactly what is left, each as failed with STOPPED. A
    KeyboardInterrupt that does land (no guard, or a forced stop) is reported the same way, the
    resource being deleted as possibly gone. `on_delete` hears each ARN before it is deleted.
    """
    created_only: set[str] = set()
    try:
        found, failed = _find(session, region, lab, services)
        created_only = set(created) - found
        arns, unknown = _live(session, region, found | set(created))
    except KeyboardInterrupt:
        left = [(arn, STOPPED) for arn in sorted(created, key=_order)]
        return CleanupReport(
            failed=[*left, (f"other resources of lab {lab}", "not listed: Ctrl-C stopped the listing")],
            interrupted=True,
            untagged=sorted(created, key=_order),
        )
    report = CleanupReport(failed=failed + unknown)
    for n, arn in enumerate(arns):
        if stop():
            report.interrupted = True
            report.failed += [(left, STOPPED) for left in arns[n:]]
            break
        try:
            on_delete(arn)
            _delete(session, region, arn)
            report.deleted.append(arn)
        except KeyboardInterrupt:
            report.interrupted = True
            report.failed.append((arn, "Ctrl-C stopped its deletion half-way: it may be gone already"))
            report.failed += [(left, STOPPED) for left in arns[n + 1 :]]
            break
        except NotImplementedError:
            report.unsupported.append(arn)
        except Exception as exc:
            if not _gone(exc):
                report.failed.append((arn, _reason(exc)))
    report.untagged = [arn for arn, _ in report.failed if arn in created_only]
    return report


def _gone(exc: Exception) -> bool:
    """The resource no longer exists (the Tagging API lists deleted resources for a while)."""
    code = getattr(exc, "response", {}).get("Error", {}).get("Code", "") if hasattr(exc, "response") else ""
    return any(mark in code for mark in ("NotFound", "NoSuch", "NotExist")) or code == "ResourceNotFoundException"


def _reason(exc: Exception) -> str:
    error = getattr(exc, "response", {}).get("Error", {}) if hasattr(exc, "response") else {}
    if error:
        return f"{error.get('Code', type(exc).__name__)}: {error.get('Message', '')}".rstrip(": ")
    return f"{type(exc).__name__}: {exc}"


def _paginate(client: Any, operation: str, key: str, **kwargs: Any) -> list[Any]:
    items: list[Any] = []
    for page in client.get_paginator(operation).paginate(**kwargs):
        items += page.get(key, [])
    return items


def _has_tag(tags: Any, lab: str) -> bool:
    if isinstance(tags, dict):
        return tags.get(TAG_KEY) == lab
    return any(t.get("Key", t.get("TagKey")) == TAG_KEY and t.get("Value", t.get("TagValue")) == lab for t in tags)


# --- finding -------------------------------------------------------------------------------


def _tagged(session: Any, region: str, lab: str) -> list[str]:
    client = session.client("resourcegroupstaggingapi", region_name=region)
    found = _paginate(client, "get_resources", "ResourceTagMappingList", TagFilters=[{"Key": TAG_KEY, "Values": [lab]}])
    # The emulator returns a few ARNs wrapped as the text of a tuple, "('arn:...',)".
    return [m["ResourceARN"].strip("()',") for m in found]


def _roles(session: Any, region: str, lab: str) -> list[str]:
    iam = session.client("iam", region_name=region)
    roles = _paginate(iam, "list_roles", "Roles", PathPrefix=ROLE_PATH)
    return [r["Arn"] for r in roles if _has_tag(iam.list_role_tags(RoleName=r["RoleName"])["Tags"], lab)]


def _streams(session: Any, region: str, lab: str) -> list[str]:
    kinesis = session.client("kinesis", region_name=region)
    arns = []
    for name in _paginate(kinesis, "list_streams", "StreamNames"):
        if _has_tag(kinesis.list_tags_for_stream(StreamName=name)["Tags"], lab):
            arns.append(kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"])
    return arns


def _trails(session: Any, region: str, lab: str) -> list[str]:
    trail_client = session.client("cloudtrail", region_name=region)
    arns = []
    for trail in trail_client.list_trails().get("Trails", []):
        if trail.get("HomeRegion", region) != region:
            continue
        tags = trail_client.list_tags(ResourceIdList=[trail["TrailARN"]])["ResourceTagList"]
        if tags and _has_tag(tags[0].get("TagsList", []), lab):
            arns.append(trail["TrailARN"])
    return arns


def _budgets(session: Any, region: str, lab: str) -> list[str]:
    account = session.client("sts", region_name=region).get_caller_identity()["Account"]
    budgets = session.client("budgets", region_name=region)
    names = [b["BudgetName"] for b in budgets.describe_budgets(AccountId=account).get("Budgets", [])]
    return [f"arn:aws:budgets::{account}:budget/{n}" for n in names if n.startswith(f"srscards-{lab}-")]


def _rest_apis(session: Any, region: str, lab: str) -> list[str]:
    api = session.client("apigateway", region_name=region)
    apis = _paginate(api, "get_rest_apis", "items")
    return [f"arn:aws:apigateway:{region}::/restapis/{a['id']}" for a in apis if _has_tag(a.get("tags", {}), lab)]


def _network(session: Any, region: str, lab: str) -> list[str]:
    ec2 = session.client("ec2", region_name=region)
    account = session.client("sts", region_name=region).get_caller_identity()["Account"]
    tag = [{"Name": f"tag:{TAG_KEY}", "Values": [lab]}]
    prefix = f"arn:aws:ec2:{region}:{account}"
    arns = [
        f"{prefix}:vpc-endpoint/{e['VpcEndpointId']}" for e in ec2.describe_vpc_endpoints(Filters=tag)["VpcEndpoints"]
    ]
    arns += [
        f"{prefix}:security-group/{g['GroupId']}" for g in ec2.describe_security_groups(Filters=tag)["SecurityGroups"]
    ]
    arns += [f"{prefix}:subnet/{s['SubnetId']}" for s in ec2.describe_subnets(Filters=tag)["Subnets"]]
    arns += [f"{prefix}:vpc/{v['VpcId']}" for v in ec2.describe_vpcs(Filters=tag)["Vpcs"]]
    return arns


def _sagemaker(session: Any, region: str, lab: str) -> list[str]:
    """SageMaker resources by tag, for the kinds the emulator's tagging API leaves out."""
    sm = session.client("sagemaker", region_name=region)
    candidates = [
        g["ModelPackageGroupArn"] for g in _paginate(sm, "list_model_package_groups", "ModelPackageGroupSummaryList")
    ]
    candidates += [e["EndpointArn"] for e in _paginate(sm, "list_endpoints", "Endpoints")]
    candidates += [c["EndpointConfigArn"] for c in _paginate(sm, "list_endpoint_configs", "EndpointConfigs")]
    candidates += [m["ModelArn"] for m in _paginate(sm, "list_models", "Models")]
    return [arn for arn in candidates if "/srs-" in arn and _has_tag(sm.list_tags(ResourceArn=arn)["Tags"], lab)]


def _tables(session: Any, region: str, lab: str) -> list[str]:
    dynamodb = session.client("dynamodb", region_name=region)
    arns = []
    for name in _paginate(dynamodb, "list_tables", "TableNames"):
        arn = dynamodb.describe_table(TableName=name)["Table"]["TableArn"]
        if _has_tag(dynamodb.list_tags_of_resource(ResourceArn=arn).get("Tags", []), lab):
            arns.append(arn)
    return arns


_FINDERS: tuple[tuple[str, str, Callable[[Any, str, str], list[str]]], ...] = (
    ("tagged resources (Resource Groups Tagging API)", "", _tagged),
    ("IAM roles", "iam", _roles),
    ("Kinesis streams", "kinesis", _streams),
    ("CloudTrail trails", "cloudtrail", _trails),
    ("budgets", "budgets", _budgets),
    ("API Gateway REST APIs", "apigateway", _rest_apis),
    ("VPC resources", "ec2", _network),
    ("SageMaker resources", "sagemaker", _sagemaker),
    ("DynamoDB tables", "dynamodb", _tables),
)


# --- deleting ------------------------------------------------------------------------------


def _parts(arn: str) -> tuple[str, str]:
    """(service, resource) of an ARN such as arn:aws:sagemaker:us-east-1:123:endpoint/x."""
    pieces = arn.split(":", 5)
    return pieces[2], pieces[5]


_ORDER = (
    "cloudformation",
    "apigateway",
    "lambda",
    "sagemaker:monitoring-schedule/",
    "sagemaker:endpoint/",
    "sagemaker:endpoint-config/",
    "sagemaker:model/",
    "sagemaker:model-package/",
    "sagemaker:model-package-group/",
    "sagemaker",
    "cloudwatch",
    "sns",
    "cloudtrail",
    "kinesis",
    "dynamodb",
    "glue",
    "athena",
    "ec2:vpc-endpoint/",
    "ec2:security-group/",
    "ec2:subnet/",
    "ec2",
    "s3",
    "kms",
    "iam",
    "budgets",
)


def _order(arn: str) -> tuple[int, str]:
    service, resource = _parts(arn)
    key = f"{service}:{resource}"
    for index, prefix in enumerate(_ORDER):
        if key.startswith(prefix if ":" in prefix else prefix + ":"):
            return index, arn
    return len(_ORDER), arn


def _still_there(session: Any, region: str, arn: str) -> bool:
    """False for what needs no deleting: finished SageMaker jobs, KMS keys already pending deletion."""
    service, resource = _parts(arn)
    if service == "kms":
        state = session.client("kms", region_name=region).describe_key(KeyId=arn)["KeyMetadata"]["KeyState"]
        return state not in ("PendingDeletion", "PendingReplicaDeletion")
    if service == "sagemaker" and resource.startswith(
        ("training-job/", "transform-job/", "hyper-parameter-tuning-job/")
    ):
        return _job_status(session.client("sagemaker", region_name=region), resource) in _ACTIVE_JOB
    return True


def _job_status(sm: Any, resource: str) -> str:
    kind, name = resource.split("/", 1)
    if kind == "training-job":
        return sm.describe_training_job(TrainingJobName=name)["TrainingJobStatus"]
    if kind == "transform-job":
        return sm.describe_transform_job(TransformJobName=name)["TransformJobStatus"]
    return sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)["HyperParameterTuningJobStatus"]


def _delete(session: Any, region: str, arn: str) -> None:
    service, resource = _parts(arn)
    client = session.client(service if service != "budgets" else "budgets", region_name=region)
    if service == "s3":
        _empty_bucket(client, resource)
        client.delete_bucket(Bucket=resource)
    elif service == "kms":
        client.schedule_key_deletion(KeyId=resource.split("/", 1)[1], PendingWindowInDays=7)
    elif service == "iam":
        _delete_role(client, resource.rsplit("/", 1)[1])
    elif service == "kinesis":
        client.delete_stream(StreamName=resource.split("/", 1)[1], EnforceConsumerDeletion=True)
    elif service == "cloudtrail":
        client.stop_logging(Name=arn)
        client.delete_trail(Name=arn)
    elif service == "glue":
        kind, name = resource.split("/", 1)
        if kind == "database":
            client.delete_database(Name=name)
        elif kind == "crawler":
            client.delete_crawler(Name=name)
    elif service == "athena":
        client.delete_work_group(WorkGroup=resource.split("/", 1)[1], RecursiveDeleteOption=True)
    elif service == "cloudwatch":
        client.delete_alarms(AlarmNames=[resource.split(":", 1)[1]])
    elif service == "dynamodb":
        client.delete_table(TableName=resource.split("/", 1)[1])
    elif service == "sns":
        client.delete_topic(TopicArn=arn)
    elif service == "lambda":
        client.delete_function(FunctionName=resource.split(":", 1)[1])
    elif service == "apigateway":
        client.delete_rest_api(restApiId=resource.rsplit("/", 1)[1])
    elif service == "cloudformation":
        client.delete_stack(StackName=arn)
        client.get_waiter("stack_delete_complete").wait(StackName=arn, WaiterConfig={"Delay": 5, "MaxAttempts": 120})
    elif service == "budgets":
        account = arn.split(":")[4]
        client.delete_budget(AccountId=account, BudgetName=resource.split("/", 1)[1])
    elif service == "ec2":
        _delete_network(client, resource)
    elif service == "sagemaker":
        _delete_sagemaker(session, region, client, arn, resource)
    else:
        raise RuntimeError(f"no cleanup for {service} resources; delete it in the console")


def _empty_bucket(s3: Any, bucket: str) -> None:
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        batch = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in page.get("Versions", [])]
        batch += [{"Key": m["Key"], "VersionId": m["VersionId"]} for m in page.get("DeleteMarkers", [])]
        if batch:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})


def _delete_role(iam: Any, name: str) -> None:
    for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=name, PolicyName=policy)
    for attached in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=name, PolicyArn=attached["PolicyArn"])
    iam.delete_role(RoleName=name)


def _delete_network(ec2: Any, resource: str) -> None:
    kind, ident = resource.split("/", 1)
    if kind == "vpc-endpoint":
        ec2.delete_vpc_endpoints(VpcEndpointIds=[ident])
    elif kind == "security-group":
        _while_in_use(lambda: ec2.delete_security_group(GroupId=ident))
    elif kind == "subnet":
        _while_in_use(lambda: ec2.delete_subnet(SubnetId=ident))
    elif kind == "vpc":
        _while_in_use(lambda: ec2.delete_vpc(VpcId=ident))


def _while_in_use(delete: Callable[[], Any], attempts: int = 36, delay: float = 5.0) -> None:
    """Retry while AWS still detaches the network interfaces of deleted endpoints (DependencyViolation)."""
    import time

    for attempt in range(attempts):
        try:
            delete()
            return
        except Exception as exc:
            if "DependencyViolation" not in _reason(exc) or attempt == attempts - 1:
                raise
            time.sleep(delay)


_SAGEMAKER_KINDS = {
    "endpoint",
    "monitoring-schedule",
    "endpoint-config",
    "model",
    "model-package",
    "model-package-group",
    "training-job",
    "transform-job",
    "hyper-parameter-tuning-job",
}


def _delete_sagemaker(session: Any, region: str, sm: Any, arn: str, resource: str) -> None:
    kind, name = resource.split("/", 1)
    if kind == "endpoint":
        scaling = session.client("application-autoscaling", region_name=region)
        targets = _paginate(scaling, "describe_scalable_targets", "ScalableTargets", ServiceNamespace="sagemaker")
        for target in targets:
            if target["ResourceId"].startswith(f"endpoint/{name}/"):
                scaling.deregister_scalable_target(
                    ServiceNamespace="sagemaker",
                    ResourceId=target["ResourceId"],
                    ScalableDimension=target["ScalableDimension"],
                )
        sm.delete_endpoint(EndpointName=name)
    elif kind == "monitoring-schedule":
        sm.delete_monitoring_schedule(MonitoringScheduleName=name)
    elif kind == "endpoint-config":
        sm.delete_endpoint_config(EndpointConfigName=name)
    elif kind == "model":
        sm.delete_model(ModelName=name)
    elif kind == "model-package":
        sm.delete_model_package(ModelPackageName=arn)
    elif kind == "model-package-group":
        for package in _paginate(sm, "list_model_packages", "ModelPackageSummaryList", ModelPackageGroupName=name):
            sm.delete_model_package(ModelPackageName=package["ModelPackageArn"])
        sm.delete_model_package_group(ModelPackageGroupName=name)
    elif kind == "training-job":
        sm.stop_training_job(TrainingJobName=name)
    elif kind == "transform-job":
        sm.stop_transform_job(TransformJobName=name)
    elif kind == "hyper-parameter-tuning-job":
        sm.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
    else:
        raise RuntimeError(f"no cleanup for SageMaker {kind} resources; delete {name} in the console")
