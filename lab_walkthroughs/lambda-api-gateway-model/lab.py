"""A REST API (API Gateway) and a Lambda function in front of a SageMaker endpoint."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from srscards.labs import LabContext, Step, expect
from srscards.labs.blocks import make_bucket, put_object, trust_policy
from srscards.labs.cleanup import ROLE_PATH

TITLE = "Lambda and API Gateway in front of a model endpoint"
RESOURCES = ["1 S3 bucket (empty)", "1 IAM role for Lambda", "1 Lambda function", "1 API Gateway REST API with a stage"]
COST = "a Lambda function and a REST API that are created but never invoked, and an empty S3 bucket"
HANDLER = Path(__file__).with_name("handler.py")
ENDPOINT = "churn-endpoint"


def role(ctx: LabContext) -> None:
    make_bucket(ctx)
    iam = ctx.client("iam")
    name = ctx.name("lambda-role")
    arn = iam.create_role(
        RoleName=name,
        Path=ROLE_PATH,
        AssumeRolePolicyDocument=json.dumps(trust_policy("lambda.amazonaws.com")),
        Tags=ctx.tags,
    )["Role"]["Arn"]
    endpoint_arn = f"arn:aws:sagemaker:{ctx.region}:{ctx.account}:endpoint/{ENDPOINT}"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["sagemaker:InvokeEndpoint"], "Resource": [endpoint_arn]},
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": ["arn:aws:logs:*:*:log-group:/aws/lambda/*"],
            },
        ],
    }
    iam.put_role_policy(RoleName=name, PolicyName="invoke-endpoint", PolicyDocument=json.dumps(policy))
    ctx.state.update(role_name=name, role_arn=arn, endpoint_arn=endpoint_arn)


def check_role(ctx: LabContext) -> str:
    document = ctx.client("iam").get_role_policy(RoleName=ctx.state["role_name"], PolicyName="invoke-endpoint")[
        "PolicyDocument"
    ]
    invoke = document["Statement"][0]
    expect(
        "invoke permission",
        (["sagemaker:InvokeEndpoint"], [ctx.state["endpoint_arn"]]),
        (invoke["Action"], invoke["Resource"]),
    )
    return "Lambda may invoke that one endpoint and write its logs, nothing else"


def function(ctx: LabContext) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", HANDLER.read_text(encoding="utf-8"))
    put_object(ctx, "lambda/handler.zip", buffer.getvalue())
    lam = ctx.client("lambda")
    name = ctx.name("predict")
    create = lambda: lam.create_function(  # noqa: E731
        FunctionName=name,
        Runtime="python3.12",
        Role=ctx.state["role_arn"],
        Handler="handler.handler",
        Code={"ZipFile": buffer.getvalue()},
        Timeout=10,
        MemorySize=256,
        Environment={"Variables": {"ENDPOINT_NAME": ENDPOINT}},
        Tags=ctx.tag_map,
    )
    if ctx.target == "aws":
        _retry_while_role_propagates(create)
        lam.get_waiter("function_active_v2").wait(FunctionName=name)
    else:
        create()
    ctx.state["function"] = name
    ctx.state["function_arn"] = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]


def _retry_while_role_propagates(create) -> None:
    """A new IAM role takes a few seconds to become usable by Lambda; AWS says so with this error."""
    import time

    for attempt in range(10):
        try:
            create()
            return
        except Exception as exc:
            if "cannot be assumed" not in str(exc) or attempt == 9:
                raise
            time.sleep(3)


def check_function(ctx: LabContext) -> str:
    config = ctx.client("lambda").get_function_configuration(FunctionName=ctx.state["function"])
    expect("handler", "handler.handler", config["Handler"])
    expect("endpoint variable", {"ENDPOINT_NAME": ENDPOINT}, config["Environment"]["Variables"])
    expect("role", ctx.state["role_arn"], config["Role"])
    return "the function knows the endpoint by an environment variable and runs as the narrow role"


def api(ctx: LabContext) -> None:
    gateway = ctx.client("apigateway")
    api_id = gateway.create_rest_api(
        name=ctx.name("api"), endpointConfiguration={"types": ["REGIONAL"]}, tags=ctx.tag_map
    )["id"]
    root = next(r["id"] for r in gateway.get_resources(restApiId=api_id)["items"] if r["path"] == "/")
    resource = gateway.create_resource(restApiId=api_id, parentId=root, pathPart="predict")["id"]
    gateway.put_method(restApiId=api_id, resourceId=resource, httpMethod="POST", authorizationType="AWS_IAM")
    uri = f"arn:aws:apigateway:{ctx.region}:lambda:path/2015-03-31/functions/{ctx.state['function_arn']}/invocations"
    gateway.put_integration(
        restApiId=api_id,
        resourceId=resource,
        httpMethod="POST",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=uri,
    )
    ctx.client("lambda").add_permission(
        FunctionName=ctx.state["function"],
        StatementId="apigateway-invoke",
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:{ctx.region}:{ctx.account}:{api_id}/*/POST/predict",
    )
    gateway.create_deployment(restApiId=api_id, stageName="v1")
    ctx.state.update(api=api_id, resource=resource, uri=uri)


def check_api(ctx: LabContext) -> str:
    gateway = ctx.client("apigateway")
    method = gateway.get_method(restApiId=ctx.state["api"], resourceId=ctx.state["resource"], httpMethod="POST")
    expect("authorization", "AWS_IAM", method["authorizationType"])
    integration = method["methodIntegration"]
    expect("integration", ("AWS_PROXY", ctx.state["uri"]), (integration["type"], integration["uri"]))
    stages = [s["stageName"] for s in gateway.get_stages(restApiId=ctx.state["api"])["item"]]
    expect("stages", ["v1"], stages)
    policy = json.loads(ctx.client("lambda").get_policy(FunctionName=ctx.state["function"])["Policy"])
    expect(
        "who may invoke the function",
        ["apigateway.amazonaws.com"],
        [s["Principal"]["Service"] for s in policy["Statement"]],
    )
    return "POST /predict, IAM-authorised, proxies to the function; only this API may invoke it"


STEPS = [
    Step(
        "Create the function's role",
        "The function needs sagemaker:InvokeEndpoint on one endpoint and its logs.",
        role,
        check_role,
    ),
    Step(
        "Create the Lambda function",
        "The function validates JSON, sends CSV to the endpoint and returns JSON: clients never see SageMaker.",
        function,
        check_function,
    ),
    Step(
        "Create the REST API",
        "API Gateway adds authentication, throttling and a stable URL; a "
        "Lambda proxy integration passes the request through.",
        api,
        check_api,
    ),
]
