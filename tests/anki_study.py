"""Study a package in the real Anki under a controlled clock; run by the agreement tests.

Run as `python anki_study.py PACKAGE COLLECTION OUT.json SEED` inside libfaketime
(`LD_PRELOAD=libfaketime.so.1`, `FAKETIME_TIMESTAMP_FILE`, `FAKETIME_NO_CACHE=1`) and a `TZ`:
the script moves Anki's clock by writing that file. It imports the package, turns FSRS on and
studies the deck for about fifteen months of local days through Anki's own scheduler: sessions
just before and after the 04:00 day start, late evenings, long breaks, answers taken back with
undo, cards reset (Forget), set-due-date, and cram answers in a filtered deck that does not
reschedule. At the end it writes Anki's own figures as of the last moment (`now`): each card's
`compute_memory_state`, its review log, for each review card shown the card's memory and the
Hard, Good and Easy intervals Anki offered (`get_scheduling_states`), the true retention of
its stats screen and its Evaluate figures for the default parameters, to OUT.json.
"""

from __future__ import annotations

import json
import os
import random
import sys
from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

START = date(2025, 1, 6)
END = date(2026, 4, 20)
SESSION_TIMES = (time(3, 20), time(3, 59), time(4, 0), time(4, 1), time(4, 40), time(9, 0), time(22, 30), time(23, 55))


def main() -> None:
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    package, collection, out, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    zone = ZoneInfo(os.environ["TZ"])
    clock_file = os.environ["FAKETIME_TIMESTAMP_FILE"]
    rng = random.Random(seed)

    latest = [datetime(1970, 1, 2, tzinfo=zone)]

    def set_clock(moment: datetime) -> datetime:
        """Move Anki's clock to `moment`, or just past the last moment set: the clock never runs backwards."""
        moment = max(moment, latest[0] + timedelta(seconds=1))
        latest[0] = moment
        with open(clock_file, "w") as fh:
            # libfaketime reads the time as local time of the TZ it runs in
            fh.write(moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S\n"))
        return moment

    def local(day: date, at: time) -> datetime:
        return datetime.combine(day, at, tzinfo=zone)

    set_clock(local(START, time(9, 0)))
    col = Collection(collection)
    kinds: Counter[str] = Counter()
    offered: list[dict[str, float]] = []  # the review intervals Anki offered, with the card's memory
    try:
        col.import_anki_package(ImportAnkiPackageRequest(package_path=package, options=ImportAnkiPackageOptions()))
        col.set_config("fsrs", True)
        col.set_config("rollover", 4)
        deck = col.decks.all_names_and_ids(include_filtered=False)
        main_deck = next(d.id for d in deck if d.name != "Default")
        conf = col.decks.config_dict_for_deck_id(main_deck)
        conf["new"]["perDay"] = 12
        col.decks.update_config(conf)
        cids = list(col.find_cards(""))
        day = START
        while day <= END:
            if day < END and rng.random() < 0.01:  # a long break (the last day is always studied)
                day = min(day + timedelta(days=rng.randint(30, 120)), END)
                kinds["long break"] += 1
                continue
            if day < END and rng.random() < 0.25:
                day += timedelta(days=1)
                continue
            for at in sorted(rng.sample(SESSION_TIMES, rng.randint(1, 2))):
                moment = set_clock(local(day, at))
                kinds[f"session {at:%H:%M}"] += 1
                col.decks.select(main_deck)
                for _ in range(60):
                    card = col.sched.getCard()
                    if card is None:
                        break
                    if card.type == 2 and card.queue == 2 and card.memory_state is not None:
                        states = col._backend.get_scheduling_states(card.id)
                        offered.append(
                            {
                                "now": moment.timestamp(),
                                "stability": card.memory_state.stability,
                                "difficulty": card.memory_state.difficulty,
                                "last_review": card.last_review_time,
                                "ivl": card.ivl,
                                "key": f"{card.note().guid} {card.ord}",
                                "hard": states.hard.normal.review.scheduled_days,
                                "good": states.good.normal.review.scheduled_days,
                                "easy": states.easy.normal.review.scheduled_days,
                                "elapsed": states.current.normal.review.elapsed_days,
                                "stabilities": [
                                    getattr(states, b).normal.review.memory_state.stability
                                    for b in ("hard", "good", "easy")
                                ],
                            }
                        )
                    ease = rng.choices([1, 2, 3, 4], weights=[2, 2, 6, 2])[0]
                    col.sched.answerCard(card, ease)
                    kinds["answer"] += 1
                    if rng.random() < 0.03:
                        col.undo()
                        kinds["undo"] += 1
                        card = col.sched.getCard()
                        if card is not None:
                            col.sched.answerCard(card, rng.choice([1, 3]))
                    moment = set_clock(moment + timedelta(seconds=rng.randint(5, 40)))
                studied = [c for c in cids if col.get_card(c).type != 0]
                if studied and rng.random() < 0.04:
                    col.sched.schedule_cards_as_new([rng.choice(studied)])
                    kinds["reset"] += 1
                if studied and rng.random() < 0.04:
                    col.sched.set_due_date([rng.choice(studied)], rng.choice(["0", "1", "4"]))
                    kinds["set due date"] += 1
                if studied and rng.random() < 0.05:
                    cram(col, rng.sample(studied, min(3, len(studied))), rng, kinds)
            day += timedelta(days=1)
        now = set_clock(local(END + timedelta(days=1), time(2, 0)))  # still the last study day
        from fsrs_rs_python import DEFAULT_PARAMETERS

        evaluated = col._backend.evaluate_params_legacy(
            params=list(DEFAULT_PARAMETERS), search="", ignore_revlogs_before_ms=0
        )
        graphs = col._backend.graphs(search="", days=0).true_retention
        true_retention = {
            period: {
                "young": [getattr(graphs, period).young_passed, getattr(graphs, period).young_failed],
                "mature": [getattr(graphs, period).mature_passed, getattr(graphs, period).mature_failed],
            }
            for period in ("today", "week", "month", "all_time")
        }
        cards = {}
        for cid in cids:
            card = col.get_card(cid)
            state = col.compute_memory_state(cid)
            note = card.note()
            cards[f"{note.guid} {card.ord}"] = {
                "stability": state.stability,
                "difficulty": state.difficulty,
                "type": card.type,
            }
        revlog = [
            {"id": r[0], "key": f"{r[1]} {r[2]}", "type": r[3], "ease": r[4], "ivl": r[5], "last_ivl": r[6]}
            for r in col.db.all(
                "select r.id, n.guid, c.ord, r.type, r.ease, r.ivl, r.lastIvl from revlog r "
                "join cards c on c.id = r.cid join notes n on n.id = c.nid order by r.id"
            )
        ]
        revlog_types = Counter(
            f"type {t} ease {'0' if e == 0 else '1-4'} factor {'0' if f == 0 else '>0'}"
            for t, e, f in col.db.all("select type, ease, factor from revlog")
        )
    finally:
        col.close()
    with open(out, "w") as fh:
        json.dump(
            {
                "now": now.timestamp(),
                "cards": cards,
                "kinds": kinds,
                "types": revlog_types,
                "revlog": revlog,
                "offered": offered,
                "true_retention": true_retention,
                "evaluate": {"log_loss": evaluated.log_loss, "rmse_bins": evaluated.rmse_bins},
            },
            fh,
        )


def cram(col, cids, rng: random.Random, kinds: Counter[str]) -> None:  # type: ignore[no-untyped-def]
    """Answer `cids` in a filtered deck that does not reschedule, then empty it."""
    deck = col.sched.get_or_create_filtered_deck(deck_id=0)
    deck.name = "Cram"
    deck.config.reschedule = False
    deck.config.search_terms[0].search = " or ".join(f"cid:{c}" for c in cids)
    deck.config.search_terms[0].limit = 10
    deck.config.search_terms[0].order = 0  # oldest seen first, not random: the run repeats exactly
    did = col.sched.add_or_update_filtered_deck(deck).id
    col.decks.select(did)
    for _ in range(10):
        card = col.sched.getCard()
        if card is None:
            break
        col.sched.answerCard(card, rng.choice([1, 3, 3, 4]))
        kinds["cram answer"] += 1
    col.sched.empty_filtered_deck(did)
    col.decks.remove([did])


if __name__ == "__main__":
    main()
