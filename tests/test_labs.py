"""Lab walkthroughs: every lab runs end to end on the emulator, and the runner keeps its promises."""

from __future__ import annotations

import textwrap
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from conftest import run
from srscards.labs import CheckFailed, EmulatorGap, LabError, find_labs, load_lab, run_lab
from srscards.labs.cleanup import cleanup_lab, find_leftovers
from srscards.labs.targets import EmulatorTarget, SessionTarget

REPO = Path(__file__).resolve().parent.parent
LABS = REPO / "lab_walkthroughs"
REGION = "us-east-1"
EMULATOR = "the local AWS emulator (moto, region us-east-1, no AWS account used)"

DEMO_LAB = """
from srscards.labs import Step, expect

TITLE = "Demo bucket"
RESOURCES = ["1 S3 bucket"]
COST = "a few KB in S3"
ALGORITHM = "aws:kms"


def create(ctx):
    s3 = ctx.client("s3")
    ctx.state["bucket"] = ctx.name("demo")
    s3.create_bucket(Bucket=ctx.state["bucket"])
    s3.put_bucket_tagging(Bucket=ctx.state["bucket"], Tagging={"TagSet": ctx.tags})


def check_create(ctx):
    names = [b["Name"] for b in ctx.client("s3").list_buckets()["Buckets"]]
    expect("buckets", [ctx.state["bucket"]], names)
    return "the bucket exists"


def encrypt(ctx):
    rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    ctx.client("s3").put_bucket_encryption(
        Bucket=ctx.state["bucket"], ServerSideEncryptionConfiguration={"Rules": [rule]}
    )


def check_encrypt(ctx):
    found = ctx.client("s3").get_bucket_encryption(Bucket=ctx.state["bucket"])
    algorithm = found["ServerSideEncryptionConfiguration"]["Rules"][0]["ApplyServerSideEncryptionByDefault"]
    expect("default encryption", ALGORITHM, algorithm["SSEAlgorithm"])
    return "encrypted"


STEPS = [
    Step("Create a bucket", "Somewhere to put data.", create, check_create),
    Step("Encrypt it", "Data at rest is encrypted.", encrypt, check_encrypt),
]
"""

INTERRUPTED_LAB = """
from srscards.labs import Step


TITLE = "Interrupted"
RESOURCES = ["1 S3 bucket"]
COST = "a few KB in S3"


def create(ctx):
    ctx.client("s3").create_bucket(Bucket=ctx.name("kept"))
    ctx.client("s3").put_bucket_tagging(Bucket=ctx.name("kept"), Tagging={"TagSet": ctx.tags})


def interrupt(ctx):
    raise KeyboardInterrupt


STEPS = [
    Step("Create a bucket", "Something to clean up.", create, lambda ctx: "created"),
    Step("Press Ctrl-C", "The user stops the lab half-way.", interrupt, lambda ctx: "never reached"),
]
"""


GAP_LAB = """
from srscards.labs import Step


TITLE = "Emulator gap"
RESOURCES = ["1 S3 bucket"]
COST = "a few KB in S3"


def create(ctx):
    ctx.client("s3").create_bucket(Bucket=ctx.name("gap"))
    ctx.client("s3").put_bucket_tagging(Bucket=ctx.name("gap"), Tagging={"TagSet": ctx.tags})


def unrouted(ctx):  # moto has no Braket: the request reaches no handler
    ctx.client("braket").search_devices(filters=[])


def unwritten(ctx):  # moto has STS, but not this action
    ctx.client("sts").decode_authorization_message(EncodedMessage="abc")


STEPS = [
    Step("Create a bucket", "Something to clean up.", create, lambda ctx: "created"),
    Step("Search devices", "A service the emulator lacks.", unrouted, lambda ctx: "never reached"),
]
"""


def write_lab(root: Path, name: str, code: str, title: str) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "lab.py").write_text(textwrap.dedent(code).lstrip(), encoding="utf-8")
    (folder / "README.md").write_text(f"# {title}\n\n## What the emulator does not do\n\n- Nothing here.\n")
    return folder


@pytest.fixture
def labs(tmp_path: Path) -> Path:
    root = tmp_path / "labs"
    write_lab(root, "demo-bucket", DEMO_LAB.replace('"aws:kms"', '"AES256"'), "Demo bucket")
    write_lab(root, "demo-failing", DEMO_LAB, "Demo bucket")
    write_lab(root, "demo-interrupted", INTERRUPTED_LAB, "Interrupted")
    return root


@pytest.fixture
def fake_aws(monkeypatch: pytest.MonkeyPatch):
    """A moto account reached the way --aws reaches a real one: credentials from the environment."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield boto3.Session(region_name=REGION)


# --- every real lab ------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", find_labs(LABS))
def test_every_lab_runs_end_to_end_on_the_emulator(name: str):
    lab = load_lab(LABS, name)
    result = run_lab(lab, EmulatorTarget(), suffix="t0t0t0")
    assert result.passed == [step.title for step in lab.steps]
    assert result.cleanup.failed == []
    assert result.cleanup.deleted or result.cleanup.unsupported


def test_there_are_enough_labs_and_each_walkthrough_says_what_the_emulator_lacks():
    names = find_labs(LABS)
    assert len(names) >= 12
    for name in names:
        readme = (LABS / name / "README.md").read_text(encoding="utf-8")
        assert readme.startswith(f"# {load_lab(LABS, name).title}\n"), name
        assert "\n## What the emulator does not do\n" in readme, name


def test_the_emulator_leaves_the_environment_as_it_found_it(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AWS_PROFILE", "study")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    with EmulatorTarget() as target:
        assert target.session.client("sts").get_caller_identity()["Account"] == "123456789012"
    import os

    assert os.environ["AWS_PROFILE"] == "study" and "AWS_ACCESS_KEY_ID" not in os.environ


# --- the runner ----------------------------------------------------------------------------


def test_a_failing_check_says_what_was_expected_and_found(labs: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(labs.parent)
    result = run("lab", "run", "demo-failing", "--labs", str(labs))
    assert result.exit_code == 1
    bucket = _bucket(result.stdout)
    assert result.stdout == (
        f"Lab demo-failing on {EMULATOR}\n"
        "[1/2] Create a bucket\n"
        "      why: Somewhere to put data.\n"
        "      code: labs/demo-failing/lab.py:9 (create)\n"
        f"      call: s3.create_bucket(Bucket='{bucket}')\n"
        f"      call: s3.put_bucket_tagging(Bucket='{bucket}', Tagging={{'TagSet':\n"
        "            [{'Key': 'srscards-lab', 'Value': 'demo-faili...})\n"
        "      check passed: the bucket exists\n"
        "[2/2] Encrypt it\n"
        "      why: Data at rest is encrypted.\n"
        "      code: labs/demo-failing/lab.py:22 (encrypt)\n"
        f"      call: s3.put_bucket_encryption(Bucket='{bucket}',\n"
        "            ServerSideEncryptionConfiguration={'Rules':\n"
        "            [{'ApplyServerSideEncryptionByDefault': {'SSEA...})\n"
        "cleanup: deleted 1 resource\n"
        f"  - arn:aws:s3:::{bucket}\n"
    )
    assert result.stderr == (
        "Error: step 2 (Encrypt it) failed its check: default encryption: expected 'aws:kms', found 'AES256'\n"
    )


@pytest.mark.parametrize(
    ("step", "operation"), [("unrouted", "SearchDevices"), ("unwritten", "DecodeAuthorizationMessage")]
)
def test_an_emulator_gap_names_the_lab_the_step_and_the_versions(tmp_path: Path, step: str, operation: str):
    from importlib.metadata import version

    name = f"demo-{step}"
    write_lab(tmp_path, name, GAP_LAB.replace("unrouted, lambda", f"{step}, lambda"), "Emulator gap")
    result = run("lab", "run", name, "--labs", str(tmp_path))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stdout.endswith(f"cleanup: deleted 1 resource\n  - arn:aws:s3:::{_bucket(result.stdout)}\n")
    assert result.stderr == (
        f"Error: lab {name}, step 2 (Search devices): the local emulator (moto {version('moto')}) does not implement "
        f"{operation} as botocore {version('botocore')} calls it; install the tested versions "
        "(pip install -c constraints.txt, see the README) or run the lab on AWS with --aws\n"
    )


def test_the_same_failure_on_aws_is_an_aws_error_not_an_emulator_gap(tmp_path: Path, fake_aws):
    write_lab(tmp_path, "demo-gap", GAP_LAB, "Emulator gap")
    with pytest.raises(LabError) as raised:
        run_lab(load_lab(tmp_path, "demo-gap"), SessionTarget(fake_aws, name="aws"), suffix="abc123")
    assert not isinstance(raised.value, EmulatorGap)
    assert str(raised.value) == "step 2 (Search devices) failed: 404: Not yet implemented"


def _bucket(output: str) -> str:
    return output.rsplit("arn:aws:s3:::", 1)[1].strip()


def test_run_prints_every_step_and_cleans_up(labs: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(labs.parent)
    result = run("lab", "run", "demo-bucket", "--labs", str(labs))
    assert result.exit_code == 0, result.output
    bucket = _bucket(result.stdout.replace("All 2 steps passed; completion recorded.\n", ""))
    assert bucket.startswith("srs-demo-") and len(bucket) == len("srs-demo-") + 6
    assert result.stdout == (
        f"Lab demo-bucket on {EMULATOR}\n"
        "[1/2] Create a bucket\n"
        "      why: Somewhere to put data.\n"
        "      code: labs/demo-bucket/lab.py:9 (create)\n"
        f"      call: s3.create_bucket(Bucket='{bucket}')\n"
        f"      call: s3.put_bucket_tagging(Bucket='{bucket}', Tagging={{'TagSet':\n"
        "            [{'Key': 'srscards-lab', 'Value': 'demo-bucke...})\n"
        "      check passed: the bucket exists\n"
        "[2/2] Encrypt it\n"
        "      why: Data at rest is encrypted.\n"
        "      code: labs/demo-bucket/lab.py:22 (encrypt)\n"
        f"      call: s3.put_bucket_encryption(Bucket='{bucket}',\n"
        "            ServerSideEncryptionConfiguration={'Rules':\n"
        "            [{'ApplyServerSideEncryptionByDefault': {'SSEA...})\n"
        "      check passed: encrypted\n"
        "cleanup: deleted 1 resource\n"
        f"  - arn:aws:s3:::{bucket}\n"
        "All 2 steps passed; completion recorded.\n"
    )


def test_step_mode_pauses_between_steps_with_piped_input(labs: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(labs.parent)
    result = run("lab", "run", "demo-bucket", "--labs", str(labs), "--step", input="\n")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    # a pause before every step, the first included, after the step says what it will do
    assert [line for line in lines if "Press Enter" in line] == [
        "      Press Enter to run step 1...",
        "      Press Enter to run step 2...",
    ]
    assert lines[1:6] == [
        "[1/2] Create a bucket",
        "      why: Somewhere to put data.",
        "      code: labs/demo-bucket/lab.py:9 (create)",
        "      Press Enter to run step 1...",
        "      call: s3.create_bucket(Bucket='" + _bucket(result.stdout.split("All 2")[0]) + "')",
    ]
    # stdin at its end does not block or fail: the lab goes on
    assert run("lab", "run", "demo-bucket", "--labs", str(labs), "--step", input="").exit_code == 0


def test_ctrl_c_during_a_step_still_cleans_up(labs: Path, fake_aws):
    lab = load_lab(labs, "demo-interrupted")
    events = []
    with pytest.raises(KeyboardInterrupt):
        run_lab(lab, SessionTarget(fake_aws), suffix="abc123", on_event=events.append)
    assert fake_aws.client("s3").list_buckets()["Buckets"] == []
    assert events[-1].kind == "cleanup" and events[-1].cleanup.deleted == ["arn:aws:s3:::srs-kept-abc123"]


def test_ctrl_c_in_the_cli_reports_cleanup(labs: Path):
    result = run("lab", "run", "demo-interrupted", "--labs", str(labs))
    assert result.exit_code == 130
    assert result.stdout.endswith(f"cleanup: deleted 1 resource\n  - arn:aws:s3:::{_bucket(result.stdout)}\n")
    assert result.stderr == "Interrupted; cleanup has run and nothing is left.\n"


def test_a_failed_check_raises_after_cleanup(labs: Path, fake_aws):
    with pytest.raises(CheckFailed, match=r"expected 'aws:kms', found 'AES256'"):
        run_lab(load_lab(labs, "demo-failing"), SessionTarget(fake_aws), suffix="abc123")
    assert fake_aws.client("s3").list_buckets()["Buckets"] == []


# --- real AWS, played by moto -------------------------------------------------------------


def test_aws_run_lists_resources_and_cost_and_asks_first(labs: Path, fake_aws):
    result = run("lab", "run", "demo-bucket", "--labs", str(labs), "--aws", "--region", REGION, input="n\n")
    assert result.exit_code == 1
    assert result.stdout == (
        "Lab demo-bucket on AWS account 123456789012 (profile default, region us-east-1)\n"
        "It creates, tagged srscards-lab=demo-bucket:\n"
        "  - 1 S3 bucket\n"
        "Billed on AWS: a few KB in S3 (prices: https://calculator.aws/)\n"
        "Create these resources? [y/N]: n\n"
    )
    assert result.stderr == "Error: cancelled: nothing was created\n"
    assert fake_aws.client("s3").list_buckets()["Buckets"] == []
    assert "testing" not in result.output


def test_aws_run_with_yes_tags_everything_and_leaves_nothing(labs: Path, fake_aws):
    result = run("lab", "run", "demo-bucket", "--labs", str(labs), "--aws", "--region", REGION, "--yes")
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("All 2 steps passed; completion recorded.\n")
    assert fake_aws.client("s3").list_buckets()["Buckets"] == []


def test_aws_with_an_unknown_profile_is_a_clear_error(labs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    result = run("lab", "run", "demo-bucket", "--labs", str(labs), "--aws", "--profile", "nope", "--region", REGION)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: cannot use AWS profile 'nope': ProfileNotFound: The config profile (nope) could not be found "
        "(set it up with `aws configure --profile nope` or `aws sso login --profile nope`)\n"
    )


POLICY = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'


@pytest.mark.slow
def test_cleanup_finds_leftovers_of_every_kind_by_tag(fake_aws):
    """What a crashed run leaves behind, created directly, is found by tag and deleted."""
    lab = "project-x"
    other = [{"Key": "srscards-lab", "Value": "another-lab"}]
    tags = [{"Key": "srscards-lab", "Value": lab}]
    s3, iam, kinesis = fake_aws.client("s3"), fake_aws.client("iam"), fake_aws.client("kinesis")
    for bucket, tag_set in (("srs-left-aaaaaa", tags), ("srs-other-aaaaaa", other)):
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tag_set})
    s3.put_object(Bucket="srs-left-aaaaaa", Key="a.csv", Body=b"1")
    iam.create_role(RoleName="srs-role-aaaaaa", Path="/srscards/", AssumeRolePolicyDocument="{}", Tags=tags)
    iam.put_role_policy(RoleName="srs-role-aaaaaa", PolicyName="p", PolicyDocument=POLICY)
    kinesis.create_stream(StreamName="srs-stream-aaaaaa", ShardCount=1)
    kinesis.add_tags_to_stream(StreamName="srs-stream-aaaaaa", Tags={"srscards-lab": lab})
    fake_aws.client("cloudwatch").put_metric_alarm(
        AlarmName="srs-alarm-aaaaaa",
        MetricName="Invocations",
        Namespace="AWS/SageMaker",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanThreshold",
        Tags=tags,
    )
    fake_aws.client("budgets").create_budget(
        AccountId="123456789012",
        Budget={
            "BudgetName": f"srscards-{lab}-aaaaaa",
            "BudgetLimit": {"Amount": "1", "Unit": "USD"},
            "TimeUnit": "MONTHLY",
            "BudgetType": "COST",
        },
    )

    found, failed = find_leftovers(fake_aws, REGION, lab)
    assert failed == []
    assert found == [
        "arn:aws:cloudwatch:us-east-1:123456789012:alarm:srs-alarm-aaaaaa",
        "arn:aws:kinesis:us-east-1:123456789012:stream/srs-stream-aaaaaa",
        "arn:aws:s3:::srs-left-aaaaaa",
        "arn:aws:iam::123456789012:role/srscards/srs-role-aaaaaa",
        f"arn:aws:budgets::123456789012:budget/srscards-{lab}-aaaaaa",
    ]
    report = cleanup_lab(fake_aws, REGION, lab)
    assert report.deleted == found and report.failed == []
    assert find_leftovers(fake_aws, REGION, lab) == ([], [])
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["srs-other-aaaaaa"]


# --- list, show, cleanup -------------------------------------------------------------------


CARD = """\
---
title: Labs
domain: 1
tasks: [1.1]
---

### Which setting encrypts every new object in a bucket?
<!-- {id: lab-card-1, lab: demo-bucket} -->

Default encryption.

### Which lab is this?
<!-- {id: lab-card-2, lab: no-such-lab} -->

None.
"""


def test_list_shows_the_labs_and_warns_about_links_to_missing_labs(labs: Path, course):
    deck = course.write("d1.md", CARD)
    result = run("lab", "list", "--labs", str(labs), "--decks", str(course.root))
    assert result.exit_code == 0
    assert result.stdout == (
        "demo-bucket       2 steps  Demo bucket\n"
        "demo-failing      2 steps  Demo bucket\n"
        "demo-interrupted  2 steps  Interrupted\n"
        f"3 labs in {labs}\n"
    )
    assert result.stderr == (
        f"{deck}:12:1: warning: card 'lab-card-2' links to lab 'no-such-lab', which does not exist "
        "(fix: use one of the labs listed by `srscards lab list`, or remove the lab key)\n"
    )


def test_show_lists_steps_resources_cost_and_the_cards_of_the_lab(labs: Path, course):
    deck = course.write("d1.md", CARD)
    result = run("lab", "show", "demo-bucket", "--labs", str(labs), "--decks", str(course.root))
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "demo-bucket: Demo bucket\n"
        f"walkthrough: {labs / 'demo-bucket' / 'README.md'}\n"
        "steps:\n"
        "  1. Create a bucket\n"
        "  2. Encrypt it\n"
        "creates on AWS (tagged srscards-lab=demo-bucket, removed at the end):\n"
        "  - 1 S3 bucket\n"
        "billed on AWS: a few KB in S3 (prices: https://calculator.aws/)\n"
        "completed: never\n"
        "cards that link to this lab: 1\n"
        f"  lab-card-1  Which setting encrypts every new object in a bucket?  ({deck}:7:1)\n"
    )


def test_show_an_unknown_lab_is_a_clear_error(labs: Path):
    result = run("lab", "show", "nope", "--labs", str(labs))
    assert result.exit_code == 1
    assert result.stderr == f"Error: no lab named 'nope' in {labs} (run `srscards lab list` to see the 3 labs)\n"


@pytest.mark.slow
def test_cleanup_on_the_emulator_finds_nothing(labs: Path):
    result = run("lab", "cleanup", "demo-bucket", "--labs", str(labs))
    assert result.exit_code == 0
    assert result.stdout == f"No leftovers of lab demo-bucket on {EMULATOR}.\n"


@pytest.mark.slow
def test_cleanup_on_aws_lists_asks_and_deletes(labs: Path, fake_aws):
    s3 = fake_aws.client("s3")
    s3.create_bucket(Bucket="srs-demo-aaaaaa")
    s3.put_bucket_tagging(
        Bucket="srs-demo-aaaaaa", Tagging={"TagSet": [{"Key": "srscards-lab", "Value": "demo-bucket"}]}
    )
    where = "AWS account 123456789012 (profile default, region us-east-1)"
    args = ("lab", "cleanup", "demo-bucket", "--labs", str(labs), "--aws", "--region", REGION)
    result = run(*args, input="n\n")
    assert result.exit_code == 0
    assert result.stdout == (
        f"Leftovers of lab demo-bucket on {where}:\n"
        "  - arn:aws:s3:::srs-demo-aaaaaa\n"
        "Delete them? [y/N]: n\n"
        "Nothing deleted.\n"
    )
    result = run(*args, input="y\n")
    assert result.exit_code == 0
    assert result.stdout.endswith(
        "Delete them? [y/N]: y\ncleanup: deleting arn:aws:s3:::srs-demo-aaaaaa\n"
        "cleanup: deleted 1 resource\n  - arn:aws:s3:::srs-demo-aaaaaa\n"
    )
    assert s3.list_buckets()["Buckets"] == []


def test_profile_without_aws_is_a_usage_error(labs: Path):
    result = run("lab", "run", "demo-bucket", "--labs", str(labs), "--profile", "study")
    assert result.exit_code == 2
    assert "--profile and --region need --aws (the emulator always uses us-east-1)" in result.stderr


def test_an_aws_only_lab_refuses_the_emulator(labs: Path):
    folder = write_lab(labs, "demo-aws-only", DEMO_LAB + "\nAWS_ONLY = True\n", "Demo bucket")
    lab = load_lab(labs, folder.name)
    with pytest.raises(LabError, match="needs real AWS"):
        run_lab(lab, EmulatorTarget())


# --- completion in the store ---------------------------------------------------------------


@pytest.mark.slow
def test_a_completed_run_is_recorded_and_shown(labs: Path, tmp_path: Path):
    from srscards.paths import home
    from srscards.store.store import Store

    assert run("lab", "run", "demo-bucket", "--labs", str(labs)).exit_code == 0
    assert run("lab", "run", "demo-failing", "--labs", str(labs)).exit_code == 1
    with Store.open(home()) as store:
        runs = store.lab_completions()
    assert [(r.lab, r.target) for r in runs] == [("demo-bucket", "emulator")]
    assert runs[0].completed_at.tzinfo is not None
    shown = run("lab", "show", "demo-bucket", "--labs", str(labs), "--decks", str(tmp_path / "none")).stdout
    assert f"completed: 1 time, last on the emulator at {runs[0].completed_at:%Y-%m-%d %H:%M} UTC\n" in shown


def test_lab_completions_keep_lab_target_and_utc_time(tmp_path: Path):
    from datetime import UTC, datetime, timedelta, timezone

    from srscards.store.store import Store

    first = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    with Store.open(tmp_path) as store:
        store.record_lab("s3-data-lake-kms", "emulator", first)
        store.record_lab(
            "kinesis-ingestion", "aws", first.astimezone(timezone(timedelta(hours=2))) + timedelta(hours=1)
        )
    with Store.open(tmp_path) as store:
        runs = store.lab_completions()
        assert [(r.lab, r.target, r.completed_at) for r in runs] == [
            ("s3-data-lake-kms", "emulator", first),
            ("kinesis-ingestion", "aws", first + timedelta(hours=1)),
        ]
        assert runs[1].completed_at.tzinfo == UTC
        assert [r.lab for r in store.lab_completions("kinesis-ingestion")] == ["kinesis-ingestion"]


LEAKY_LAB = """
from srscards.labs import Step

TITLE = "Leaky"
RESOURCES = ["1 SQS queue"]
COST = "a few KB in S3"


def create(ctx):
    ctx.client("sqs").create_queue(QueueName=ctx.name("queue"), tags=ctx.tag_map)


STEPS = [Step("Create a queue", "A service the cleanup does not know.", create, lambda ctx: "created")]
"""


def test_a_resource_cleanup_cannot_delete_fails_the_run_and_says_how_to_finish(labs: Path):
    write_lab(labs, "demo-leaky", LEAKY_LAB, "Leaky")
    result = run("lab", "run", "demo-leaky", "--labs", str(labs))
    assert result.exit_code == 1
    # no "nothing left to delete" above the resource it could not delete
    assert result.stdout.endswith("      check passed: created\nThe only step passed; completion recorded.\n")
    queue = result.stderr.split("cleanup could not delete ", 1)[1].split(":", 6)
    arn = ":".join(queue[:6])
    assert arn.startswith("arn:aws:sqs:us-east-1:123456789012:srs-queue-")
    assert result.stderr == (
        f"cleanup could not delete {arn}: RuntimeError: no cleanup for sqs resources; delete it in the console "
        "(run `srscards lab cleanup demo-leaky` again)\n"
        "Error: cleanup left 1 resource behind: run `srscards lab cleanup demo-leaky`\n"
    )


def test_show_still_works_when_the_decks_have_errors(labs: Path, course):
    course.write("d1.md", CARD.replace("lab: demo-bucket}", "lab: demo-bucket, colour: red}"))
    result = run("lab", "show", "demo-bucket", "--labs", str(labs), "--decks", str(course.root))
    assert result.exit_code == 0
    assert result.stdout.endswith("cards that link to this lab: 0\n")
    assert result.stderr == (
        f"warning: cards not read: {course.root} has 1 error (run `srscards check {course.root}`)\n"
    )


def test_ctrl_c_while_waiting_for_enter_still_cleans_up(labs: Path, fake_aws):
    def pause(index: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_lab(load_lab(labs, "demo-bucket"), SessionTarget(fake_aws), suffix="abc123", pause=pause)
    assert fake_aws.client("s3").list_buckets()["Buckets"] == []


SECRET_LAB = """
from srscards.labs import Step

TITLE = "Secret"
RESOURCES = ["1 S3 bucket"]
COST = "a few KB in S3"


def create(ctx):
    s3 = ctx.client("s3")
    s3.create_bucket(Bucket=ctx.name("vault"))
    s3.put_bucket_tagging(Bucket=ctx.name("vault"), Tagging={"TagSet": ctx.tags})
    s3.put_object(Bucket=ctx.name("vault"), Key="k", Body=b"12345", SSECustomerAlgorithm="AES256",
                  SSECustomerKey="hunter2-do-not-show-hunter2-1234")


def local(ctx):
    (ctx.work_dir / "notes.txt").write_text("local only")


STEPS = [
    Step("Keep a secret", "S3 encrypts it with your own key, " + "which AWS never stores. " * 6, create,
         lambda ctx: "stored"),
    Step("Write a local file", "No AWS call here.", local, lambda ctx: "written"),
]
"""


def test_a_step_shows_its_calls_but_never_secrets_or_credentials(labs: Path, monkeypatch: pytest.MonkeyPatch):
    write_lab(labs, "demo-secret", SECRET_LAB, "Secret")
    monkeypatch.chdir(labs.parent)
    monkeypatch.setenv("COLUMNS", "60")
    result = run("lab", "run", "demo-secret", "--labs", str(labs))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    bucket = lines[7].split("'")[1]
    assert bucket.startswith("srs-vault-")
    assert lines[1:] == [
        "[1/2] Keep a secret",
        "      why: S3 encrypts it with your own key, which AWS never",
        "           stores. which AWS never stores. which AWS never",
        "           stores. which AWS never stores. which AWS never",
        "           stores. which AWS never stores.",
        "      code: labs/demo-secret/lab.py:8 (create)",
        f"      call: s3.create_bucket(Bucket='{bucket}')",
        f"      call: s3.put_bucket_tagging(Bucket='{bucket}',",
        "            Tagging={'TagSet': [{'Key': 'srscards-lab',",
        "            'Value': 'demo-secre...})",
        f"      call: s3.put_object(Bucket='{bucket}',",
        "            Key='k', Body=<5 bytes>,",
        "            SSECustomerAlgorithm='AES256',",
        "            SSECustomerKey='***', SSECustomerKeyMD5='***')",
        "      check passed: stored",
        "[2/2] Write a local file",
        "      why: No AWS call here.",
        "      code: labs/demo-secret/lab.py:16 (local)",
        "      call: none: this step works on local files",
        "      check passed: written",
        "cleanup: deleted 1 resource",
        f"  - arn:aws:s3:::{bucket}",
        "All 2 steps passed; completion recorded.",
    ]
    assert "hunter2" not in result.output
    assert "testing" not in result.output and "FOOBARKEY" not in result.output  # the emulator's credentials


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("Bucket", "srs-data-1", "'srs-data-1'"),
        ("SecretString", "x", "'***'"),
        ("Password", "x", "'***'"),
        ("Body", b"12345", "<5 bytes>"),
        ("Environment", {"Variables": {"API_TOKEN": "abc", "MODE": "x"}},
         "{'Variables': {'API_TOKEN': '***', 'MODE': 'x'}}"),
        ("Description", "x" * 100, "'" + "x" * 55 + "...'"),
        ("Tags", [{"Key": "k" * 80}], "[{'Key': '" + "k" * 46 + "...]"),
    ],
)  # fmt: skip
def test_call_parameters_are_shown_short_and_masked(name, value, shown):
    from srscards.labs.calls import shown_value

    assert shown_value(name, value) == shown


def test_operation_names_read_as_boto3_methods():
    from srscards.labs.calls import method_name

    assert [method_name(op) for op in ("CreateBucket", "ListMLModels", "PutObject", "DescribeDBInstances")] == [
        "create_bucket",
        "list_ml_models",
        "put_object",
        "describe_db_instances",
    ]


# --- interruptions, closed input and endpoints that never answer ---------------------------------

TWO_BUCKETS_LAB = INTERRUPTED_LAB.replace(
    """    ctx.client("s3").create_bucket(Bucket=ctx.name("kept"))
    ctx.client("s3").put_bucket_tagging(Bucket=ctx.name("kept"), Tagging={"TagSet": ctx.tags})""",
    """    for name in ("one", "two", "three"):
        ctx.client("s3").create_bucket(Bucket=ctx.name(name))
        ctx.client("s3").put_bucket_tagging(Bucket=ctx.name(name), Tagging={"TagSet": ctx.tags})""",
)


def test_closed_standard_input_is_a_clear_error_not_a_traceback(labs: Path, tmp_path: Path):
    import os
    import subprocess
    import sys

    srscards = Path(sys.executable).with_name("srscards")
    env = {**os.environ, "SRSCARDS_HOME": str(tmp_path / "home")}
    proc = subprocess.run(
        [str(srscards), "lab", "run", "demo-bucket", "--labs", str(labs), "--step"],
        capture_output=True, text=True, env=env, timeout=120, preexec_fn=lambda: os.close(0),
    )  # fmt: skip
    assert proc.returncode == 1
    assert proc.stderr == "Error: standard input is closed, but --step needs it: run without --step\n"


def test_an_endpoint_that_never_answers_fails_in_bounded_time_naming_what_failed(
    labs: Path, monkeypatch: pytest.MonkeyPatch
):
    import socket
    import time

    from srscards.labs import targets

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections, never answers
    monkeypatch.setattr(targets, "READ_TIMEOUT", 1)
    monkeypatch.setattr(targets, "CONNECT_TIMEOUT", 1)
    for key, value in {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y",
                       "AWS_ENDPOINT_URL_STS": f"http://127.0.0.1:{silent.getsockname()[1]}"}.items():  # fmt: skip
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    start = time.monotonic()
    try:
        result = run("lab", "run", "demo-bucket", "--labs", str(labs), "--aws", "--region", REGION, "--yes")
    finally:
        silent.close()
    assert time.monotonic() - start < 20
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: could not reach AWS STS in region us-east-1 (ReadTimeoutError: ")
    assert "did not answer within 1 s to connect and 1 s to read" in result.stderr
    assert "profile" not in result.stderr


CREATE_THEN_STOP_LAB = INTERRUPTED_LAB.replace(
    """    ctx.client("s3").create_bucket(Bucket=ctx.name("kept"))
    ctx.client("s3").put_bucket_tagging(Bucket=ctx.name("kept"), Tagging={"TagSet": ctx.tags})""",
    """    ctx.client("s3").create_bucket(Bucket=ctx.name("kept"))
    raise KeyboardInterrupt  # Ctrl-C before the bucket is tagged""",
)


def test_a_bucket_created_but_not_yet_tagged_is_still_cleaned_up(tmp_path: Path, fake_aws):
    write_lab(tmp_path / "labs", "demo-untagged", CREATE_THEN_STOP_LAB, "Untagged")
    events = []
    with pytest.raises(KeyboardInterrupt):
        run_lab(load_lab(tmp_path / "labs", "demo-untagged"), SessionTarget(fake_aws), suffix="abc123",
                on_event=events.append)  # fmt: skip
    assert fake_aws.client("s3").list_buckets()["Buckets"] == []
    assert events[-1].cleanup.deleted == ["arn:aws:s3:::srs-kept-abc123"]
    assert [e.text for e in events if e.kind == "deleting"] == ["arn:aws:s3:::srs-kept-abc123"]


@pytest.fixture(autouse=True)
def _ctrl_c_as_in_a_terminal():
    """Ctrl-C raises KeyboardInterrupt, as in a terminal, also when the tests run in the background
    (a shell starts a background job with SIGINT ignored; the lab then leaves SIGINT alone)."""
    import signal

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def _press_ctrl_c(times: int):
    import os
    import signal

    def press(**_: object) -> None:
        for _ in range(times):
            os.kill(os.getpid(), signal.SIGINT)

    return press


def test_ctrl_c_while_a_call_is_in_flight_takes_effect_when_it_returns(labs: Path, fake_aws):
    fake_aws.events.register("before-send.s3.CreateBucket", _press_ctrl_c(1))  # the request is under way
    events = []
    with pytest.raises(KeyboardInterrupt):
        run_lab(load_lab(labs, "demo-bucket"), SessionTarget(fake_aws), suffix="abc123", on_event=events.append)
    # the bucket was made, its answer read, and the run stopped before its next call (the tagging)
    assert [e.text.split("(")[0] for e in events if e.kind == "call"] == ["s3.create_bucket"]
    assert events[-1].cleanup.deleted == ["arn:aws:s3:::srs-demo-abc123"]
    assert events[-1].cleanup.failed == []
    assert fake_aws.client("s3").list_buckets()["Buckets"] == []


def test_three_presses_during_one_call_stop_at_once_and_say_so(labs: Path, fake_aws):
    fake_aws.events.register("before-send.s3.CreateBucket", _press_ctrl_c(3))
    events = []
    with pytest.raises(KeyboardInterrupt):
        run_lab(load_lab(labs, "demo-bucket"), SessionTarget(fake_aws), suffix="abc123", on_event=events.append)
    report = events[-1].cleanup
    assert report.failed == [("whatever s3.CreateBucket was creating", "the call was left without an answer")]
    assert fake_aws.client("s3").list_buckets()["Buckets"] == []  # the bucket it named is not left behind


def test_ctrl_c_during_cleanup_stops_before_the_next_deletion(tmp_path: Path, fake_aws):
    write_lab(tmp_path / "labs", "demo-three", TWO_BUCKETS_LAB, "Three buckets")
    fake_aws.events.register("before-send.s3.DeleteBucket", _press_ctrl_c(2))  # mid-deletion, twice
    events = []
    with pytest.raises(KeyboardInterrupt):
        run_lab(load_lab(tmp_path / "labs", "demo-three"), SessionTarget(fake_aws), suffix="abc123",
                on_event=events.append)  # fmt: skip
    report = events[-1].cleanup
    left = sorted(f"arn:aws:s3:::{b['Name']}" for b in fake_aws.client("s3").list_buckets()["Buckets"])
    assert report.deleted == ["arn:aws:s3:::srs-one-abc123"]  # the deletion under way finished
    assert report.failed == [(arn, "not deleted: Ctrl-C stopped the cleanup") for arn in left]
    assert len(left) == 2


def test_cleanup_with_arn_deletes_an_untagged_resource_and_refuses_other_arns(labs: Path, fake_aws):
    fake_aws.client("s3").create_bucket(Bucket="srs-demo-bbbbbb")  # created, never tagged
    args = ("lab", "cleanup", "demo-bucket", "--labs", str(labs), "--aws", "--region", REGION, "--yes")
    result = run(*args, "--arn", "arn:aws:s3:::srs-demo-bbbbbb")
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("cleanup: deleted 1 resource\n  - arn:aws:s3:::srs-demo-bbbbbb\n")
    assert fake_aws.client("s3").list_buckets()["Buckets"] == []
    for bad in ("arn:aws:iam::123456789012:user/alice", "arn:aws:s3:::", "arn:aws:kms:us-east-1:1:key", "x", ""):
        result = run(*args, "--arn", bad)
        assert result.exit_code == 2
        assert f"Invalid value for --arn: {bad!r} is not the ARN of a resource a lab creates" in result.stderr


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("x = (\n", "lab.py:1:5: '(' was never closed (fix the lab's Python)"),
        ("import os\n\nimport srscards_no_such_module\n", "lab.py:3: importing the lab failed: ModuleNotFoundError: "),
        ("x = 1 / 0\n", "lab.py:1: importing the lab failed: ZeroDivisionError: division by zero"),
        ('TITLE = "t"\nRESOURCES = []\nCOST = "c"\nSTEPS = 5\n', "STEPS must be a non-empty list"),
        ('TITLE = "t"\nRESOURCES = 5\nCOST = "c"\nSTEPS = []\n', "STEPS must be a non-empty list"),
    ],
)
def test_a_broken_lab_file_is_a_located_error_not_a_traceback(tmp_path: Path, code: str, message: str):
    folder = write_lab(tmp_path / "labs", "demo-broken", "x = 1\n", "Broken")
    (folder / "lab.py").write_text(code, encoding="utf-8")
    result = run("lab", "show", "demo-broken", "--labs", str(tmp_path / "labs"))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {folder / 'lab.py'}") and message in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1


UPLOAD_LAB = INTERRUPTED_LAB.replace(
    """def interrupt(ctx):
    raise KeyboardInterrupt""",
    """def interrupt(ctx):  # boto3 uploads from worker threads
    path = ctx.work_dir / "data.csv"
    path.write_text("a,b\\n1,2\\n")
    ctx.client("s3").upload_file(str(path), ctx.name("kept"), "data.csv")
    ctx.state["uploaded"] = True""",
)


def test_ctrl_c_during_a_threaded_upload_stops_the_run_and_cleans_up(tmp_path: Path, fake_aws):
    write_lab(tmp_path / "labs", "demo-upload", UPLOAD_LAB, "Upload")
    fake_aws.events.register("before-send.s3.PutObject", _press_ctrl_c(1))
    events = []
    with pytest.raises(KeyboardInterrupt):
        run_lab(load_lab(tmp_path / "labs", "demo-upload"), SessionTarget(fake_aws), suffix="abc123",
                on_event=events.append)  # fmt: skip
    assert [e.index for e in events if e.kind == "passed"] == [1]  # the upload step did not pass
    assert events[-1].cleanup.deleted == ["arn:aws:s3:::srs-kept-abc123"] and events[-1].cleanup.failed == []
    assert fake_aws.client("s3").list_buckets()["Buckets"] == []
