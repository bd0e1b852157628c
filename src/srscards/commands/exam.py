"""`srscards exam`: a practice exam in the terminal, timed like the real one, scored at the end.

Input is one line per command, from the keyboard or piped on standard input:

    B         answer the question on screen (several letters for multiple response,
              the letters in order for ordering, one letter per row for matching)
              and go to the next question
    n / p     next / previous question
    g 12      go to question 12
    f         flag the question on screen for review (again: unflag)
    x         clear the answer on screen
    r         review screen: unanswered and flagged questions
    s         submit (when questions are unanswered or flagged, the review screen is
              shown first and `y` on the next line submits)
    q         leave the exam (so does Ctrl-C): asks first; `y` leaves and saves the
              sitting, and `srscards exam --resume` continues it later

Commands are lower case; an answer in capitals is always an answer, and in lower case it
is an answer unless it is one of the command letters (so `b` answers B, `c` is only ever
an answer when typed `C`). The end of piped input submits the exam. A time check is shown
when 30, 15, 5 and 1 minutes are left (also while waiting for input); when the time runs out
the exam is submitted with the answers given so far.
"""

from __future__ import annotations

import json
import select
import signal
import sys
import threading
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from srscards.commands._study import clock as study_clock
from srscards.commands._study import decks_argument, home_option
from srscards.words import count

if TYPE_CHECKING:
    from rich.console import Console

    from srscards.clock import Clock
    from srscards.study.exam import Item, Question, Result
    from srscards.study.sitting import ExamSession
    from srscards.study.workspace import ExamContext

TIME_MARKS = (30, 15, 5, 1)  # minutes left at which a time check is shown
TICK = 60.0  # on a terminal the clock is read at least this often (seconds), so a jump shows as one step
HELP_LINE = "A-D: answer · n next · p previous · g N go to · f flag · x clear · r review · s submit · q leave"
INTERRUPT = "\x03"  # what Lines.get gives on Ctrl-C
MODE_OPTIONS = {"mode": "--full", "domain": "--domain", "quick": "--quick", "adaptive": "--adaptive"}
LEAVE_PROMPT = "Leave the exam? y leaves and saves it (srscards exam --resume continues it); anything else goes back."


class Lines:
    """Input lines from the terminal or a pipe; on a terminal, waiting stops when the exam's time is up.

    Used as a context manager, Ctrl-C never ends the program: pressed while srscards waits for a
    line it is given as INTERRUPT, pressed while it prints it is kept for the next wait.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self._waiting = False
        self._pending = False
        self._saved: Any = None
        self.ended = False  # the input has ended (a None from `get` otherwise means the wait timed out)

    def __enter__(self) -> Lines:
        if threading.current_thread() is threading.main_thread():
            self._saved = signal.signal(signal.SIGINT, self._interrupt)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._saved is not None:
            signal.signal(signal.SIGINT, self._saved)

    def _interrupt(self, signum: int, frame: object) -> None:
        if self._waiting:
            raise KeyboardInterrupt
        self._pending = True

    def get(self, timeout: float | None) -> str | None:
        """The next line, stripped; None at the end of input or when `timeout` seconds pass on a terminal."""
        if self._pending:
            self._pending = False
            return INTERRUPT
        self._waiting = True
        try:
            if self.tty and timeout is not None:
                ready, _, _ = select.select([self.stream], [], [], max(timeout, 0))
                if not ready:
                    return None
            line = self.stream.readline()
        except KeyboardInterrupt:
            return INTERRUPT
        finally:
            self._waiting = False
        if line == "":
            self.ended = True
            return None
        return line.strip()


@click.command("exam")
@decks_argument
@home_option
@click.option("--full", "mode", flag_value="full", help="The full exam in its real format (the default).")
@click.option("--beta", is_flag=True, help="With --full: the beta format, if course.yaml gives the profile one.")
@click.option("--domain", type=int, help="A drill on one exam domain (see --count).")
@click.option("--quick", type=click.IntRange(min=1), help="A quick quiz of N questions across the domains.")
@click.option("--adaptive", "adaptive", is_flag=True, help="Questions on your weakest task statements first.")
@click.option(
    "--count", type=click.IntRange(min=1), default=20, show_default=True, help="Questions of --domain/--adaptive."
)
@click.option("--practice", is_flag=True, help="Feedback after each question instead of at the end.")
@click.option("--untimed", is_flag=True, help="No time limit.")
@click.option(
    "--exam",
    "version",
    help="Exam version or profile code from course.yaml, such as C01 (default: the course's first profile).",
)
@click.option("--seed", type=int, help="Seed of the draw and of the option order, to sit the same exam again.")
@click.option("--resume", is_flag=True, help="Continue the sitting you left last (q or Ctrl-C, then y).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON (questions go to stderr).")
@click.option("--now", "now_text", hidden=True, help="Pretend the exam starts at this ISO time.")
@click.pass_context
def command(ctx: click.Context, decks: Path, home: Path | None, **kw: Any) -> None:
    """Sit a practice exam: timed, flag and go back, review screen, score and explanations at the end.

    One line per command (also piped): option letters answer and move on (capitals are
    always answers); n/p next and previous; g N go to question N; f flag; x clear;
    r review screen; s submit (y confirms); q leave (y confirms; the sitting is saved and
    --resume continues it). The end of piped input submits. The options of each question
    are shuffled by the seed. A sitting with no answer given is not scored or stored.

    \b
    Example:
      srscards exam decks/ --full --beta
      srscards exam decks/ --domain 2 --count 15 --practice
      printf 'B\\nAC\\nf\\ns\\ny\\n' | srscards exam decks/ --quick 3 --seed 7
      srscards exam decks/ --resume
    """
    from rich.console import Console

    from srscards.paths import home as default_home
    from srscards.study.sitting import latest_paused, pause, record, resume
    from srscards.study.workspace import open_course

    _check_modes(ctx, kw)
    clock = (ctx.obj or {}).get("clock") or study_clock(kw["now_text"])
    seed = kw["seed"] if kw["seed"] is not None else int(clock().timestamp())
    context = open_course(decks, home or default_home(), clock(), kw["version"])
    console = Console(highlight=False, soft_wrap=False, stderr=kw["as_json"])
    try:
        if kw["resume"]:
            paused = latest_paused(context)
            context, session = resume(context, paused, clock)
            seed = session.seed
            _intro(session, console, seed)
            console.print(
                f"Resuming sitting {paused.label}, left {paused.saved_at.astimezone():%Y-%m-%d %H:%M}: "
                f"{len(session.answers)} of {len(session.questions)} answered · {_clock_text(session.remaining())}"
            )
        else:
            session = _start(context, kw, clock, seed)
            waiting = context.store.paused_exams(context.course.id)
            if waiting:
                console.print(
                    f"[yellow]Sitting {waiting[-1].label}, left {waiting[-1].saved_at.astimezone():%Y-%m-%d %H:%M}, "
                    "is waiting: srscards exam --resume continues it.[/]"
                )
            _intro(session, console, seed)
        with Lines(sys.stdin) as lines:
            result = _sit(session, console, lines)
        if result is None and not (session.answers or session.flags or session.paused_id):
            console.print("Left the exam before answering anything: nothing was saved.")
            return
        if result is None:
            label = f"P{pause(context, session)}"
            console.print(
                f"Left the exam with {_clock_text(session.remaining())} and {len(session.answers)} of "
                f"{len(session.questions)} answered. Saved as sitting {label}: srscards exam --resume continues it."
            )
            return
        if record(context, session, result) is None:
            console.print("No answer was given: the sitting is not scored or stored.")
            return
        if kw["as_json"]:
            click.echo(json.dumps(result.to_record(seed).to_dict(), indent=2))
        _results(result, console)
        _clock_notes(session, console)
        wrong = sum(1 for i in result.items if i.answer is not None and not i.correct)
        if wrong:
            console.print(
                f"{count(wrong, 'wrong answer')} {'was' if wrong == 1 else 'were'} logged: those questions and the "
                "concepts they test are due in review today."
            )
    finally:
        context.store.close()


def _check_modes(ctx: click.Context, kw: dict[str, Any]) -> None:
    """Options that contradict each other are a usage error (exit 2), before anything is opened."""
    given = {name for name in kw if ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE}
    modes = [flag for name, flag in MODE_OPTIONS.items() if name in given]
    if len(modes) > 1:
        raise click.UsageError(f"{' and '.join(modes)} are different exams; choose one of them")
    if "resume" in given:
        clash = sorted(f"--{n.replace('_', '-')}" for n in given if n not in ("resume", "as_json", "now_text"))
        clash = [{"--mode": "--full", "--version": "--exam"}.get(c, c) for c in clash]
        if clash:
            raise click.UsageError(f"--resume continues a sitting as it was; leave out {', '.join(clash)}")
    if "beta" in given and modes and modes != ["--full"]:
        raise click.UsageError(f"--beta is a format of the full exam; it does not go with {modes[0]}")
    if "count" in given and not {"domain", "adaptive"} & given:
        raise click.UsageError("--count sets the length of --domain or --adaptive; for a quick quiz use --quick N")


def _clock_notes(session: ExamSession, console: Console) -> None:
    """Say when the system clock went back or jumped during the sitting, and what was counted."""
    if session.clock_went_back:
        console.print(
            "[yellow]The system clock went back during the exam: no time was counted until it caught up, "
            "and the answers were logged after your last one.[/]"
        )
    if session.clock_jumped:
        console.print(
            "[yellow]The system clock jumped forward during the exam: the jump counted as at most 10 minutes.[/]"
        )


def _start(context: ExamContext, kw: dict[str, Any], clock: Clock, seed: int) -> ExamSession:
    """Draw and start a new sitting as the options ask."""
    from srscards.study.sitting import ExamSpec, full_spec, minutes_for, start_exam

    profile = context.profile
    if kw["adaptive"]:
        spec = ExamSpec("adaptive", kw["count"], minutes_for(profile, kw["count"]))
    elif kw["domain"] is not None:
        spec = ExamSpec("domain", kw["count"], minutes_for(profile, kw["count"]), domain=kw["domain"])
    elif kw["quick"] is not None:
        spec = ExamSpec("quick", kw["quick"], minutes_for(profile, kw["quick"]))
    else:
        spec = full_spec(profile, kw["beta"])
    if kw["untimed"]:
        spec = ExamSpec(spec.mode, spec.count, None, spec.domain, spec.practice, spec.beta)
    if kw["practice"]:
        spec = ExamSpec(spec.mode, spec.count, spec.minutes, spec.domain, True, spec.beta)
    return start_exam(context, spec, clock, seed)


def _clock_text(left: timedelta | None) -> str:
    if left is None:
        return "untimed"
    seconds = int(left.total_seconds())
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d} left"


def _intro(session: ExamSession, console: Console, seed: int) -> None:
    spec = session.spec
    kind = {"full": "Full exam", "domain": f"Domain {spec.domain} drill", "quick": "Quick quiz"}.get(
        spec.mode, "Adaptive quiz"
    )
    if spec.mode == "full" and spec.beta:
        kind += " (beta format)"
    limit = "untimed" if spec.minutes is None else f"{spec.minutes:g} minutes"
    feedback = "feedback: each answer" if spec.practice else "feedback: at the end"
    console.print(
        f"{kind} · {session.profile.code} · {count(len(session.questions), 'question')} · {limit} · {feedback}"
    )
    console.print(f"Seed: {seed}")
    exam = session.profile.exam
    if spec.minutes is not None and not spec.beta and not exam.minutes_published:
        console.print(
            f"[dim]Assumed time: {session.profile.code}'s exam time is not published; "
            f"{exam.minutes} minutes assumed.[/dim]"
        )
    for line in session.draw.shortfall:
        console.print(f"[yellow]{line}[/]")
    console.print(f"[dim]{HELP_LINE}[/dim]")


def _show(session: ExamSession, console: Console) -> None:
    from rich.markdown import Markdown
    from rich.rule import Rule

    question = session.question()
    index = session.current
    marks = []
    if index in session.flags:
        marks.append("flagged")
    if index in session.answers:
        marks.append(f"answer {session.answers[index]}")
    head = f"Question {index + 1}/{len(session.questions)} · {_clock_text(session.remaining())}"
    console.print(Rule(" · ".join([head, *marks]), style="dim"))
    console.print(Markdown(question.stem, code_theme="monokai"))
    if question.rows:
        for n, row in enumerate(question.rows, 1):
            console.print(Markdown(f"**{n}.** {row}"))
        console.print("Match each row with:")
    elif question.type == "ordering":
        console.print("Put these in order (answer with the letters in order):")
    for i, choice in enumerate(question.choices):
        console.print(Markdown(f"**{chr(65 + i)}.** {choice}", code_theme="monokai"))
    if question.multiple:
        console.print(f"[dim](choose {len(question.key)})[/dim]")
    elif question.rows:
        console.print(f"[dim](one letter per row, {len(question.rows)} letters)[/dim]")


def _review_screen(session: ExamSession, console: Console) -> bool:
    """Show unanswered and flagged questions; True when there is something to look at."""
    unanswered = [i + 1 for i in session.unanswered()]
    flagged = [i + 1 for i in session.flagged()]
    console.print(f"Review · {_clock_text(session.remaining())}")
    console.print(f"Answered: {len(session.answers)}/{len(session.questions)}")
    console.print(f"Unanswered: {', '.join(map(str, unanswered)) or 'none'}")
    console.print(f"Flagged: {', '.join(map(str, flagged)) or 'none'}")
    given = []
    for index in sorted(session.answers):
        question, answer = session.questions[index], session.answers[index]
        shown = question.normalise(answer)
        source = f" (source {question.as_source(shown)})" if _shuffled(question) else ""
        given.append(f"{index + 1} {shown}{source}")
    if given:
        console.print(f"Answers: {', '.join(given)}")
    return bool(unanswered or flagged)


def _sit(session: ExamSession, console: Console, lines: Lines) -> Result | None:
    """Run the exam loop; the result when submitted (or out of time), None when the learner leaves."""
    confirming = leaving = False
    shown = -1
    start = session.remaining()
    # Time checks: each mark below the exam's length is announced once, also while waiting for input.
    marks = [m for m in TIME_MARKS if start is not None and timedelta(minutes=m) < start]
    while True:
        if session.expired():
            console.print("[bold red]Time is up: the exam was submitted with the answers given.[/]")
            return session.submit()
        left = session.remaining()
        passed = [m for m in marks if left is not None and left <= timedelta(minutes=m)]
        if passed:
            marks = [m for m in marks if m not in passed]
            console.print(f"[bold yellow]Time check: {_clock_text(left)}.[/]")
        if shown != session.current and not (confirming or leaving):
            _show(session, console)
            shown = session.current
        wait = None if left is None else left.total_seconds()
        if wait is not None and marks:
            wait = min(wait, (left - timedelta(minutes=max(marks))).total_seconds())
        line = lines.get(TICK if wait is None else min(wait, TICK))
        if line is None and not lines.ended:
            continue  # the wait timed out: look at the clock again
        if leaving:
            if line is None and (session.expired() or (marks and session.remaining() <= timedelta(minutes=max(marks)))):
                continue  # a time check or the end of time, not an answer to the question
            leaving = False
            if line is None or line == INTERRUPT or line.lower() in ("y", "yes"):
                return None  # y, a second Ctrl-C or the end of input: leave; the sitting is saved
            shown = -1
            continue
        if line is None:
            if session.expired() or (marks and session.remaining() <= timedelta(minutes=max(marks))):
                continue
            console.print("End of input: submitting.")
            _review_screen(session, console)
            return session.submit()
        if session.expired():
            continue
        command = line if line != line.upper() else ""  # capitals are answers, never commands
        if confirming:
            confirming = False
            if line.lower() in ("y", "yes"):
                return session.submit()
            shown = -1
            if line.lower() in ("", "n", "no"):
                continue  # back to the question on screen; any other line is taken as a command
        if command == "q" or line == INTERRUPT:
            console.print(LEAVE_PROMPT)
            leaving = True
            continue
        if command == "s":
            if _review_screen(session, console):
                console.print("Submit now? y submits; anything else goes back.")
                confirming = True
                continue
            return session.submit()
        if command == "r":
            _review_screen(session, console)
            shown = -1
        elif command == "n":
            if session.current == len(session.questions) - 1:
                console.print("This is the last question: s submits, p goes back.")
            session.go(session.current + 1)
        elif command == "p":
            session.go(session.current - 1)
        elif command.startswith("g") and command[1:].strip().isdigit():
            target = command[1:].strip()
            if target.isdigit() and 1 <= int(target) <= len(session.questions):
                session.go(int(target) - 1)
                shown = -1
            else:
                console.print(f"Give a question number from 1 to {len(session.questions)}, e.g. g 3")
        elif command == "f":
            flagged = session.toggle_flag()
            console.print(f"Question {session.current + 1} {'flagged' if flagged else 'unflagged'}.")
        elif command == "x":
            session.clear()
            console.print(f"Answer to question {session.current + 1} cleared.")
        elif line.isalpha() and session.answer(line):
            if session.spec.practice:
                _feedback(session.question(), session.answers[session.current], console)
            if session.current == len(session.questions) - 1:
                if _review_screen(session, console):
                    console.print("Submit now? y submits; anything else goes back.")
                    confirming = True
                    continue
                return session.submit()
            session.go(session.current + 1)
        else:
            question = session.question()
            span = f"{question.letters[0]}-{question.letters[-1]}"
            if question.type in ("ordering", "matching"):
                console.print(f"Not understood: {line!r}. Answer with {len(question.key)} letters from {span}.")
            else:
                console.print(f"Not understood: {line!r}. Answer with letters {span}.")
            console.print(f"[dim]{HELP_LINE}[/dim]")


def _shuffled(question: Question) -> bool:
    return question.order != tuple(range(len(question.order)))


def _feedback(question: Question, answer: str | None, console: Console) -> None:
    from rich.markdown import Markdown

    right = question.is_correct(answer)
    given = question.normalise(answer) if answer else "-"
    colour = "green" if right else "red"
    verdict = "Correct" if right else "Wrong" if answer else "Unanswered"
    source = ""
    if _shuffled(question):
        source = f" (in the source: {question.as_source(given) if answer else '-'}, {question.as_source(question.key)})"
    console.print(f"[bold {colour}]{verdict}[/]: you answered {given}, the answer is {question.key}{source}")
    if question.explanations:
        for i, (choice, why) in enumerate(zip(question.choices, question.explanations, strict=True)):
            mark = "✓" if chr(65 + i) in question.key else "✗"
            origin = f" · source {chr(65 + question.order[i])}" if _shuffled(question) else ""
            console.print(Markdown(f"{mark} **{chr(65 + i)}.** {choice}{origin}\n\n{why}", code_theme="monokai"))
    elif question.rows:
        for row, key in zip(question.rows, question.key, strict=True):
            console.print(Markdown(f"- {row} → {question.choices[ord(key) - 65]}"))
    else:
        for n, key in enumerate(question.key, 1):
            console.print(Markdown(f"{n}. {question.choices[ord(key) - 65]}"))
    if question.extra:
        console.print(Markdown(question.extra, code_theme="monokai"))


def _results(result: Result, console: Console) -> None:
    from rich.table import Table

    from srscards.study.exam import SCALED_METHOD

    console.rule("Results")
    console.print(f"Score: {result.correct}/{result.total} ({result.percent:.0%})")
    verdict = "above" if result.passed else "below"
    console.print(f"Estimated scaled score: {result.scaled} ({verdict} the 720 pass line)")
    console.print(f"[dim]How: {SCALED_METHOD}.[/dim]")
    pace = result.pacing
    used = _minutes(pace.seconds_used)
    limit = "" if pace.limit_seconds is None else f" of {_minutes(pace.limit_seconds)}"
    allowed = "" if pace.allowed_per_question is None else f" (the format allows {pace.allowed_per_question:.0f} s)"
    console.print(f"Time used: {used}{limit} · {pace.average:.0f} s per question{allowed}")
    console.print(f"Pacing: {pace.verdict}")
    for title, tallies in (("Domain", result.domains), ("Task", result.tasks)):
        table = Table(title=f"By {title.lower()}", title_justify="left")
        table.add_column(title)
        table.add_column("Right", justify="right")
        table.add_column("Score", justify="right")
        for tally in tallies:
            table.add_row(f"{tally.name} {tally.label}", f"{tally.correct}/{tally.total}", f"{tally.percent:.0%}")
        console.print(table)
    wrong = result.wrong
    if not wrong:
        console.print("No wrong answers.")
        return
    console.rule(f"Wrong answers ({len(wrong)})")
    for item in wrong:
        number = result.items.index(item) + 1
        _walk(number, item, console)


def _walk(number: int, item: Item, console: Console) -> None:
    question = item.question
    tasks = ", ".join(question.tasks) or "-"
    console.print(f"[bold]Question {number}[/] · domain {question.domain} · task {tasks} · {question.note}")
    from rich.markdown import Markdown

    console.print(Markdown(question.stem, code_theme="monokai"))
    _feedback(question, item.answer, console)


def _minutes(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}m {rest:02d}s"
