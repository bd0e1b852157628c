"""Ctrl-C at chosen moments of a real `srscards lab run LAB --aws` against a local moto server.

Each trial resets the server, starts the CLI in a subprocess (boto3 reaches the server through
`AWS_ENDPOINT_URL`), waits for an output line, sends SIGINT (and, for some moments, a second one
when the next line shows), then compares what the server still holds with what the run said was
left, runs the command the run gave, and checks that nothing is left after it.

    python tests/lab_interrupts.py --trials 60          # figures: trials, leaks, wrong reports
"""

from __future__ import annotations

import json
import os
import random
import re
import select
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
LAB = "s3-data-lake-kms"
REGION = "us-east-1"


@dataclass(frozen=True)
class Moment:
    """When to press Ctrl-C: after the `nth` output line containing `after`, plus `delay` seconds;
    `again`, when set, presses a second time after the first line containing it that follows."""

    name: str
    after: str
    nth: int = 1
    delay: float = 0.0
    again: str | None = None


MOMENTS = (
    Moment("while the key is created", "call: kms.create_key"),
    Moment("after the key", "check passed"),
    Moment("while the bucket is created", "call: s3.create_bucket"),
    Moment("between creating and tagging the bucket", "call: s3.put_bucket_tagging"),
    Moment("in a later step", "call: s3.put_bucket_lifecycle_configuration"),
    Moment("while uploading", "call: s3.put_object"),
    Moment("as cleanup starts", "check passed", nth=6),
    Moment("just into cleanup", "check passed", nth=6, delay=0.03),
    Moment("further into cleanup", "check passed", nth=6, delay=0.08),
    Moment("in a step, then again just into cleanup", "call: s3.put_object", again="check passed"),
    Moment("as cleanup deletes the bucket", "cleanup: deleting arn:aws:s3"),
    Moment("as cleanup deletes the key", "cleanup: deleting arn:aws:kms"),
    Moment("in a step, then again as cleanup starts", "call: s3.put_bucket_encryption", again="Cleaning up"),
    Moment("before tagging, then again as cleanup starts", "call: s3.put_bucket_tagging", again="Cleaning up"),
    Moment("in a step, then again as cleanup deletes", "call: s3.put_bucket_encryption", again="cleanup: deleting"),
    Moment("in a step, then again in cleanup", "call: s3.create_bucket", again="cleanup: deleting arn:aws:kms"),
    Moment("twice at once during a step", "call: s3.put_public_access_block", again="call: s3"),
)


@dataclass
class Trial:
    moment: str
    delay: float
    exit_code: int | None
    left: list[str]  # what the server still held after the run
    reported: list[str]  # what the run said was left
    command: str  # the command the run gave to remove it
    left_after_command: list[str] = field(default_factory=list)
    traceback: bool = False
    output: str = ""

    @property
    def leak(self) -> bool:
        """Something is left that the run did not report (or no command removed it)."""
        return bool(set(self.left) - set(self.reported)) or bool(self.left_after_command)

    @property
    def exact(self) -> bool:
        return sorted(self.left) == sorted(self.reported) and not self.left_after_command and not self.traceback


@contextmanager
def moto_server() -> Iterator[str]:
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def environment(endpoint: str, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_CONFIG_FILE=str(home / "no-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "no-credentials"),
        SRSCARDS_HOME=str(home / "srscards"),
        PYTHONUNBUFFERED="1",
        COLUMNS="200",
    )
    return env


def left_on_server(endpoint: str) -> list[str]:
    """ARNs of the buckets and the KMS keys not scheduled for deletion that the server holds."""
    import boto3

    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    s3 = session.client("s3", endpoint_url=endpoint)
    kms = session.client("kms", endpoint_url=endpoint)
    left = [f"arn:aws:s3:::{b['Name']}" for b in s3.list_buckets().get("Buckets", [])]
    for key in kms.list_keys()["Keys"]:
        meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if meta["KeyState"] not in ("PendingDeletion", "PendingReplicaDeletion"):
            left.append(meta["Arn"])
    return sorted(left)


def reset(endpoint: str) -> None:
    with urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=10) as r:
        r.read()


_ARN = re.compile(r"arn:aws:[a-z0-9-]+:[^\s:]*:[^\s:]*:\S+?(?=[\s:,)]|$)")


def reported_left(stderr: str) -> list[str]:
    """The ARNs the run's error output says are left (`cleanup could not delete ARN: ...` or `  - ARN`
    under `left on AWS`)."""
    found: list[str] = []
    listing = False
    for line in stderr.splitlines():
        if line.startswith("cleanup could not delete "):
            found += _ARN.findall(line.split(":", 1)[0] + line[len("cleanup could not delete ") :].split(": ")[0])
            if "resources of lab" in line:
                found.append("<unlisted>")
        elif "left on AWS" in line:
            listing = True
        elif listing and line.startswith("  - "):
            found += _ARN.findall(line)
        else:
            listing = False
    return sorted(set(found))


def command_given(stderr: str) -> str:
    commands = re.findall(r"run `([^`]+)`", stderr)
    return commands[-1] if commands else ""


def srscards() -> str:
    return str(Path(sys.executable).with_name("srscards"))


def _ctrl_c_as_in_a_terminal() -> None:
    """In the child: Ctrl-C acts as in a terminal, also when these trials run in the background (a
    shell starts a background job with SIGINT ignored, and a child inherits that)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def trial(endpoint: str, home: Path, moment: Moment, delay: float, timeout: float = 120) -> Trial:
    reset(endpoint)
    env = environment(endpoint, home)
    proc = subprocess.Popen(
        [srscards(), "lab", "run", LAB, "--aws", "--region", REGION, "--yes", "--labs", str(REPO / "lab_walkthroughs")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, text=True, bufsize=1,
        preexec_fn=_ctrl_c_as_in_a_terminal,
    )  # fmt: skip
    assert proc.stdout is not None
    lines: list[str] = []
    seen, pressed, waiting_again = 0, False, False
    deadline = time.monotonic() + timeout
    while True:
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            proc.stdout.close()
            raise TimeoutError(f"{moment.name}: no end after {timeout} s:\n" + "".join(lines))
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if not ready:
            if proc.poll() is not None:
                break
            continue
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if not pressed and moment.after in line:
            seen += 1
            if seen == moment.nth:
                if delay:
                    time.sleep(delay)
                proc.send_signal(signal.SIGINT)
                pressed, waiting_again = True, moment.again is not None
                continue
        if waiting_again and moment.again is not None and moment.again in line:
            proc.send_signal(signal.SIGINT)
            waiting_again = False
    proc.wait(timeout=30)
    proc.stdout.close()
    output = "".join(lines)
    left = left_on_server(endpoint)
    result = Trial(
        moment=moment.name,
        delay=delay,
        exit_code=proc.returncode,
        left=left,
        reported=reported_left(output),
        command=command_given(output),
        traceback="Traceback" in output,
        output=output,
    )
    if result.command:
        argv = shlex.split(result.command)
        assert argv[0] == "srscards", result.command
        subprocess.run(
            [srscards(), *argv[1:], "--labs", str(REPO / "lab_walkthroughs")],
            input="y\n", capture_output=True, text=True, env=env, timeout=timeout, check=False,
        )  # fmt: skip
        result.left_after_command = left_on_server(endpoint)
    return result


def run_trials(count: int, seed: int = 19) -> list[Trial]:
    import tempfile

    rng = random.Random(seed)
    trials = []
    with moto_server() as endpoint, tempfile.TemporaryDirectory() as tmp:
        for n in range(count):
            moment = MOMENTS[n % len(MOMENTS)]
            delay = moment.delay or rng.choice((0.0, 0.0, rng.uniform(0, 0.05)))
            trials.append(trial(endpoint, Path(tmp), moment, delay))
    return trials


def summary(trials: list[Trial]) -> dict[str, Any]:
    return {
        "trials": len(trials),
        "interrupted (exit 130)": sum(t.exit_code == 130 for t in trials),
        "left something": sum(bool(t.left) for t in trials),
        "leaks (left, not reported or not removed by the command)": sum(t.leak for t in trials),
        "left with no command that removes it": sum(
            bool(t.left) and (not t.command or bool(t.left_after_command)) for t in trials
        ),  # fmt: skip
        "reports not exact": sum(not t.exact for t in trials),
        "tracebacks": sum(t.traceback for t in trials),
        "exit codes": dict(sorted(Counter(t.exit_code for t in trials).items(), key=str)),
    }


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=len(MOMENTS) * 3)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    start = time.monotonic()
    results = run_trials(args.trials, args.seed)
    for t in results:
        if args.verbose or not t.exact:
            flag = "LEAK" if t.leak else ("inexact" if not t.exact else "ok")
            print(f"{flag:8} {t.moment} (+{t.delay:.3f} s) exit {t.exit_code}: left {t.left}, reported {t.reported}, "
                  f"after `{t.command}`: {t.left_after_command}")  # fmt: skip
            if args.verbose and not t.exact:
                print("    " + t.output.replace("\n", "\n    "))
    print(json.dumps(summary(results), indent=2))
    print(f"{time.monotonic() - start:.0f} s")
