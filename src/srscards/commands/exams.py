"""`srscards exams`: the practice exams sat, a later look at one, and taking one out of readiness."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from srscards.commands._study import clock as study_clock
from srscards.commands._study import home_option

if TYPE_CHECKING:
    from srscards.store.records import ExamRecord, PausedExam
    from srscards.study.workspace import ExamContext


def _context(ctx: click.Context, decks: Path, home: Path | None, now_text: str | None) -> ExamContext:
    from srscards.paths import home as default_home
    from srscards.study.workspace import open_course

    clock = (ctx.obj or {}).get("clock") or study_clock(now_text)
    return open_course(decks, home or default_home(), clock(), None)


def _score(record: ExamRecord) -> str:
    result = record.result
    return f"{result.correct}/{result.total} {result.correct / result.total:.0%}" if result.total else "-"


def _domains(record: ExamRecord) -> str:
    return " · ".join(f"{d.name} {d.percent:.0%}" for d in record.result.domains if d.total)


def _row(record: ExamRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "profile": record.profile,
        "mode": record.mode,
        "finished_at": record.finished_at.isoformat(),
        "correct": record.result.correct,
        "total": record.result.total,
        "domains": {d.name: [d.correct, d.total] for d in record.result.domains},
        "discarded_at": None if record.discarded_at is None else record.discarded_at.isoformat(),
    }


def _paused_row(paused: PausedExam) -> dict[str, Any]:
    state = paused.state if isinstance(paused.state, dict) else {}
    return {
        "id": paused.label,
        "profile": paused.profile,
        "mode": paused.mode,
        "saved_at": paused.saved_at.isoformat(),
        "answered": len(state.get("answers", {}) or {}),
        "total": len(state.get("questions", []) or []),
        "discarded_at": None if paused.discarded_at is None else paused.discarded_at.isoformat(),
    }


@click.group("exams", invoke_without_command=True)
@click.option("--decks", "decks", default="decks", type=click.Path(path_type=Path), help="Folder of the decks.")
@home_option
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@click.option("--now", "now_text", hidden=True, help="Pretend it is this ISO time.")
@click.pass_context
def command(ctx: click.Context, decks: Path, home: Path | None, as_json: bool, now_text: str | None) -> None:
    """List the practice exams sat (date, mode, score, domains) and the sittings left to resume.

    \b
    Example:
      srscards exams
      srscards exams show 3
      srscards exams discard 3
    """
    ctx.obj = {**(ctx.obj or {}), "decks": decks, "home": home, "now_text": now_text}
    if ctx.invoked_subcommand is not None:
        return
    from rich.console import Console
    from rich.table import Table

    context = _context(ctx, decks, home, now_text)
    try:
        course = context.course.id
        records = context.store.exams(course, include_discarded=True)
        paused = context.store.paused_exams(course, include_discarded=True)
    finally:
        context.store.close()
    if as_json:
        data = {"exams": [_row(r) for r in records], "paused": [_paused_row(p) for p in paused]}
        click.echo(json.dumps(data, indent=2))
        return
    console = Console(highlight=False, soft_wrap=False)
    if not records and not paused:
        console.print("No exam sat yet: srscards exam starts one.")
        return
    table = Table(title="Practice exams", title_justify="left")
    for column in ("Id", "Finished", "Exam", "Mode", "Score", "Domains", "Status"):
        table.add_column(column, no_wrap=column in ("Id", "Finished", "Score", "Status"))
    for r in records:
        status = "counted" if r.discarded_at is None else f"discarded {r.discarded_at.astimezone():%Y-%m-%d}"
        when = f"{r.finished_at.astimezone():%Y-%m-%d %H:%M}"
        table.add_row(str(r.id), when, r.profile, r.mode, _score(r), _domains(r), status)
    for p in paused:
        row = _paused_row(p)
        status = "paused" if p.discarded_at is None else "paused, discarded"
        when = f"{p.saved_at.astimezone():%Y-%m-%d %H:%M}"
        table.add_row(p.label, when, p.profile, p.mode, f"{row['answered']}/{row['total']} answered", "", status)
    console.print(table)


def _sitting_id(text: str) -> tuple[str, int]:
    """An exam id (`3`) or a paused sitting id (`P3`)."""
    kind = "paused" if text[:1] in ("P", "p") else "exam"
    digits = text[1:] if kind == "paused" else text
    if not digits.isdigit():
        raise click.BadParameter(f"{text!r} is not a sitting id; use a number such as 3 (P3 for a paused sitting)")
    return kind, int(digits)


@command.command("discard")
@click.argument("sitting")
@click.pass_context
def discard(ctx: click.Context, sitting: str) -> None:
    """Take a sitting out of readiness and the plan; its record stays, marked discarded.

    SITTING is an id from `srscards exams` (P3 for a paused sitting).

    \b
    Example:
      srscards exams discard 3
    """
    kind, number = _sitting_id(sitting)
    obj = ctx.obj or {}
    context = _context(ctx, obj["decks"], obj["home"], obj["now_text"])
    try:
        clock = obj.get("clock") or study_clock(obj["now_text"])
        now = clock()
        if kind == "paused":
            context.store.discard_paused(number, now)
            click.echo(f"Paused sitting P{number} discarded: it will not be resumed. The record stays.")
        else:
            record = context.store.discard_exam(number, now)
            click.echo(
                f"Exam {number} ({record.mode}, {_score(record)}) discarded: readiness and the plan leave it out. "
                "The record stays."
            )
    finally:
        context.store.close()


@command.command("show")
@click.argument("exam_id", type=int)
@click.pass_context
def show(ctx: click.Context, exam_id: int) -> None:
    """A later look at one exam: each question with your answer and the key, in the letters you saw
    and the letters of the source.

    \b
    Example:
      srscards exams show 3
    """
    from rich.console import Console
    from rich.markdown import Markdown

    from srscards.study.sitting import stored_questions

    obj = ctx.obj or {}
    context = _context(ctx, obj["decks"], obj["home"], obj["now_text"])
    try:
        record = context.store.exam(exam_id)
        questions = stored_questions(record, context.notes([item.note for item in record.result.items]))
    finally:
        context.store.close()
    console = Console(highlight=False, soft_wrap=False)
    status = "" if record.discarded_at is None else f" · discarded {record.discarded_at.astimezone():%Y-%m-%d}"
    console.print(
        f"Exam {record.id} · {record.profile} · {record.mode} · {record.finished_at.astimezone():%Y-%m-%d %H:%M} · "
        f"{_score(record)}{status}"
    )
    for number, (item, question) in enumerate(zip(record.result.items, questions, strict=True), 1):
        answer = item.answer or "-"
        verdict = "right" if item.correct else "wrong" if item.answer else "unanswered"
        source = ""
        if item.shuffled:
            source = f" · in the source: answered {item.source_answer or '-'}, key {item.source_key}"
        flag = " · flagged" if item.flagged else ""
        console.rule(f"Question {number} · {item.note} · {verdict}{flag}", style="dim")
        console.print(f"You answered {answer}, the key is {item.key}{source}")
        if question is None:
            console.print("[dim](this question is no longer in the decks as it was)[/dim]")
            continue
        console.print(Markdown(question.stem, code_theme="monokai"))
        for i, choice in enumerate(question.choices):
            origin = f" · source {chr(65 + question.order[i])}" if question.order else ""
            console.print(Markdown(f"**{chr(65 + i)}.** {choice}{origin}", code_theme="monokai"))
