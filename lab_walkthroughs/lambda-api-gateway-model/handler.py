"""Lambda handler in front of a SageMaker endpoint: validate the request, call the model, shape the answer."""

import json
import os

import boto3

runtime = boto3.client("sagemaker-runtime")


def handler(event, context):
    try:
        rows = json.loads(event.get("body") or "{}")["rows"]
        body = "\n".join(",".join(str(float(v)) for v in row) for row in rows)
    except (KeyError, TypeError, ValueError):
        return {"statusCode": 400, "body": json.dumps({"error": 'send {"rows": [[numbers...], ...]}'})}
    response = runtime.invoke_endpoint(
        EndpointName=os.environ["ENDPOINT_NAME"], ContentType="text/csv", Accept="text/csv", Body=body
    )
    scores = [float(v) for v in response["Body"].read().decode().split()]
    return {"statusCode": 200, "body": json.dumps({"scores": scores})}
