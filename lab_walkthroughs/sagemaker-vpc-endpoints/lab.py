"""SageMaker in a VPC: private subnets, VPC endpoints for S3 and SageMaker, network-isolated model."""

from __future__ import annotations

from srscards.labs import LabContext, Step, expect
from srscards.labs.blocks import make_bucket, make_role, sklearn_image, trained_model
from srscards.labs.localml import sklearn_container_env

TITLE = "SageMaker in a VPC with VPC endpoints"
RESOURCES = [
    "1 VPC with 2 private subnets and 1 security group",
    "1 S3 gateway endpoint (free) and 2 interface endpoints (SageMaker API and Runtime)",
    "1 S3 bucket with a small model package, 1 IAM role, 1 SageMaker model",
]
COST = (
    "two interface VPC endpoints in two subnets for the minutes of the run; the S3 "
    "gateway endpoint has no additional charge"
)


def network(ctx: LabContext) -> None:
    ec2 = ctx.client("ec2")

    def tags(kind: str) -> list[dict[str, object]]:
        return [{"ResourceType": kind, "Tags": ctx.tags}]

    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16", TagSpecifications=tags("vpc"))["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
    subnets = [
        ec2.create_subnet(
            VpcId=vpc, CidrBlock=f"10.42.{i}.0/24", AvailabilityZone=zone, TagSpecifications=tags("subnet")
        )["Subnet"]["SubnetId"]
        for i, zone in enumerate(zones)
    ]
    group = ec2.create_security_group(
        GroupName=ctx.name("sagemaker"),
        Description="SageMaker and its endpoints",
        VpcId=vpc,
        TagSpecifications=tags("security-group"),
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": group}]}],
    )
    ctx.state.update(vpc=vpc, subnets=subnets, group=group)


def check_network(ctx: LabContext) -> str:
    ec2 = ctx.client("ec2")
    found = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [ctx.state["vpc"]]}])["Subnets"]
    expect("subnets", sorted(ctx.state["subnets"]), sorted(s["SubnetId"] for s in found))
    expect("public IPs on launch", [False, False], [s["MapPublicIpOnLaunch"] for s in found])
    expect(
        "internet gateways",
        [],
        ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [ctx.state["vpc"]]}])[
            "InternetGateways"
        ],
    )
    return "two private subnets in two zones, no internet gateway; HTTPS allowed only inside the security group"


def endpoints(ctx: LabContext) -> None:
    ec2 = ctx.client("ec2")
    vpc = ctx.state["vpc"]
    tags = [{"ResourceType": "vpc-endpoint", "Tags": ctx.tags}]
    route_tables = [
        t["RouteTableId"]
        for t in ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"]
    ]
    ec2.create_vpc_endpoint(
        VpcId=vpc,
        ServiceName=f"com.amazonaws.{ctx.region}.s3",
        VpcEndpointType="Gateway",
        RouteTableIds=route_tables,
        TagSpecifications=tags,
    )
    for service in ("sagemaker.api", "sagemaker.runtime"):
        ec2.create_vpc_endpoint(
            VpcId=vpc,
            ServiceName=f"com.amazonaws.{ctx.region}.{service}",
            VpcEndpointType="Interface",
            SubnetIds=ctx.state["subnets"],
            SecurityGroupIds=[ctx.state["group"]],
            PrivateDnsEnabled=True,
            TagSpecifications=tags,
        )


def check_endpoints(ctx: LabContext) -> str:
    found = ctx.client("ec2").describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [ctx.state["vpc"]]}])[
        "VpcEndpoints"
    ]
    prefix = f"com.amazonaws.{ctx.region}."
    kinds = sorted((e["ServiceName"].removeprefix(prefix), e["VpcEndpointType"]) for e in found)
    expect(
        "endpoints (service, type)",
        [("s3", "Gateway"), ("sagemaker.api", "Interface"), ("sagemaker.runtime", "Interface")],
        kinds,
    )
    return "S3 through a gateway endpoint, the SageMaker API and Runtime through interface endpoints with private DNS"


def model(ctx: LabContext) -> None:
    make_bucket(ctx)
    make_role(ctx, ctx.state["bucket"])
    trained_model(ctx)
    ctx.state["model"] = ctx.name("private-model")
    ctx.client("sagemaker").create_model(
        ModelName=ctx.state["model"],
        ExecutionRoleArn=ctx.state["role_arn"],
        PrimaryContainer={
            "Image": sklearn_image(ctx.region),
            "ModelDataUrl": ctx.state["model_data"],
            "Environment": sklearn_container_env(),
        },
        VpcConfig={"SecurityGroupIds": [ctx.state["group"]], "Subnets": ctx.state["subnets"]},
        EnableNetworkIsolation=True,
        Tags=ctx.tags,
    )


def check_model(ctx: LabContext) -> str:
    found = ctx.client("sagemaker").describe_model(ModelName=ctx.state["model"])
    expect("model subnets", sorted(ctx.state["subnets"]), sorted(found["VpcConfig"]["Subnets"]))
    expect("model security groups", [ctx.state["group"]], found["VpcConfig"]["SecurityGroupIds"])
    if ctx.target != "aws":
        return "the model's containers run in the private subnets (network isolation is not kept by the emulator)"
    expect("network isolation", True, found.get("EnableNetworkIsolation"))
    return "the model's containers run in the private subnets, with network isolation on"


STEPS = [
    Step(
        "Create a private network",
        "Training and inference containers in private subnets reach nothing on the internet.",
        network,
        check_network,
    ),
    Step(
        "Add VPC endpoints",
        "Without internet access, S3 and the SageMaker APIs are reached "
        "through VPC endpoints that stay on the AWS network.",
        endpoints,
        check_endpoints,
    ),
    Step(
        "Create a model in the VPC",
        "VpcConfig puts the model's containers in the subnets; network "
        "isolation blocks even those containers' outbound calls.",
        model,
        check_model,
    ),
]
