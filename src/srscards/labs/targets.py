"""Where a lab runs: moto's in-process AWS emulator (the default) or a real AWS account.

A target is a context manager giving a boto3 session. The emulator sets fake credentials
only for the duration of the run and restores the environment afterwards, so a lab never
reaches the network or an account by accident.
"""

from __future__ import annotations

import os
from typing import Any

from srscards.install import install_command
from srscards.labs.steps import LabError

EMULATOR_REGION = "us-east-1"
_FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": EMULATOR_REGION,
    "AWS_REGION": EMULATOR_REGION,
}
_CLEARED_ENV = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")


CONNECT_TIMEOUT = 10  # seconds to open a connection to an AWS endpoint
READ_TIMEOUT = 60  # seconds to wait for an answer


def client_config() -> Any:
    """The botocore client settings of a real AWS run: bounded connect and read times, few retries."""
    from botocore.config import Config

    return Config(connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT, retries={"max_attempts": 3})


def _import_boto3() -> Any:
    try:
        import boto3
    except ImportError as exc:
        raise LabError(f"labs need boto3 and moto: {install_command('labs')}") from exc
    return boto3


class EmulatorTarget:
    """moto's `mock_aws`, in process: no account, no cost, no network. Every run starts empty."""

    name = "emulator"
    region = EMULATOR_REGION

    def __init__(self) -> None:
        self._saved: dict[str, str | None] = {}
        self._mock: Any = None
        self.session: Any = None

    def describe(self) -> str:
        return f"the local AWS emulator (moto, region {self.region}, no AWS account used)"

    def __enter__(self) -> EmulatorTarget:
        boto3 = _import_boto3()
        try:
            from moto import mock_aws
        except ImportError as exc:
            raise LabError(f"labs need boto3 and moto: {install_command('labs')}") from exc
        for key in (*_FAKE_ENV, *_CLEARED_ENV):
            self._saved[key] = os.environ.get(key)
        for key in _CLEARED_ENV:
            os.environ.pop(key, None)
        os.environ.update(_FAKE_ENV)
        self._mock = mock_aws()
        self._mock.start()
        self.session = boto3.Session(region_name=self.region)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._mock is not None:
            self._mock.stop()
            self._mock = None
        for key, value in self._saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class AwsTarget:
    """A real AWS account through a named profile. Credentials stay inside boto3; nothing prints them."""

    name = "aws"

    def __init__(self, profile: str | None, region: str | None) -> None:
        self.profile = profile
        self.region = region or ""
        self.session: Any = None
        self.account = ""

    def describe(self) -> str:
        return f"AWS account {self.account} (profile {self.profile or 'default'}, region {self.region})"

    def __enter__(self) -> AwsTarget:
        boto3 = _import_boto3()
        from botocore.exceptions import (
            BotoCoreError,
            ClientError,
            ConnectTimeoutError,
            EndpointConnectionError,
            ReadTimeoutError,
        )

        profile = self.profile or "default"
        try:
            self.session = boto3.Session(profile_name=self.profile, region_name=self.region or None)
            # Every client of the run answers or fails within bounded time, instead of minutes of silence.
            self.session._session.set_default_client_config(client_config())
            self.region = self.region or self.session.region_name or ""
            if not self.region:
                raise LabError("no AWS region: pass --region, e.g. --region us-east-1")
            self.account = self.session.client("sts", region_name=self.region).get_caller_identity()["Account"]
        except (ConnectTimeoutError, ReadTimeoutError, EndpointConnectionError) as exc:
            raise LabError(
                f"could not reach AWS STS in region {self.region or '?'} ({type(exc).__name__}: {exc}); "
                f"the network or the endpoint did not answer within {CONNECT_TIMEOUT} s to connect and "
                f"{READ_TIMEOUT} s to read: check the connection, a proxy, or --region"
            ) from None
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", type(exc).__name__)
            raise LabError(
                f"AWS refused the credentials of profile {profile!r} ({code}); renew them with "
                f"`aws sso login --profile {profile}` or `aws configure --profile {profile}`"
            ) from None
        except BotoCoreError as exc:
            raise LabError(
                f"cannot use AWS profile {profile!r}: {type(exc).__name__}: {exc} "
                f"(set it up with `aws configure --profile {profile}` or `aws sso login --profile {profile}`)"
            ) from None
        return self

    def __exit__(self, *exc: object) -> None:
        self.session = None


class SessionTarget:
    """An existing boto3 session, for callers that manage the emulator themselves (tests, notebooks)."""

    def __init__(self, session: Any, name: str = "emulator", region: str = EMULATOR_REGION) -> None:
        self.session = session
        self.name = name
        self.region = region

    def describe(self) -> str:
        return f"the given session (region {self.region})"

    def __enter__(self) -> SessionTarget:
        return self

    def __exit__(self, *exc: object) -> None:
        return None
