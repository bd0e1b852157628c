"""Let the real Anki schedule many cards against a prepared daily load; run by tests/test_load_balance.py.

Run as `python anki_balance.py COLLECTION SPEC.json OUT.json` inside libfaketime (a frozen clock:
`FAKETIME_TIMESTAMP_FILE` holds one moment) and a `TZ`, with `ANKI_TEST_MODE` set for a run
without fuzz. SPEC gives the moment, whether the load balancer is on, the load (cards due on
each coming day, by days from today), the preset's easy days (optional), the review cards'
memory (stability, difficulty, days since their last review) and how many to ask about, and how
many new cards to learn.

Anki builds its queue once (which reads the load), then for each review card reports the Hard,
Good and Easy intervals it would give (`get_scheduling_states`: fuzz seeded by the card id, so
every card is a draw of its own); then it answers new cards Again, Hard and Good (learning
steps 1m 10m) and a review card Again (relearning step 10m), and reports how many seconds
after now each comes back (the clock does not move, so the fuzz on each step is exact).
"""

from __future__ import annotations

import json
import sys


def main() -> None:
    from anki.collection import Collection

    collection, spec_path, out = sys.argv[1:4]
    from anki.cards import FSRSMemoryState  # after anki.collection: alone it is a circular import

    spec = json.loads(open(spec_path).read())
    now = int(spec["now"])
    col = Collection(collection)
    try:
        col.set_config("fsrs", True)
        col.set_config("rollover", 4)
        col.load_balancer_enabled = bool(spec["load_balancer"])
        if "easy_days" in spec:
            conf = col.decks.config_dict_for_deck_id(1)
            conf["easyDaysPercentages"] = spec["easy_days"]
            col.decks.update_config(conf)
        model = col.models.by_name("Basic")
        deck = col.decks.id("Default")

        def add(n: int, prefix: str, into: int = deck) -> list[int]:
            ids = []
            for i in range(n):
                note = col.new_note(model)
                note["Front"], note["Back"] = f"{prefix}{i}", "a"
                col.add_note(note, into)
                ids.append(note.cards()[0].id)
            return ids

        today = col.sched.today
        load = {int(k): int(v) for k, v in spec["load"].items()}
        fillers = add(sum(load.values()), "load")
        position = 0
        for offset, count in sorted(load.items()):
            for cid in fillers[position : position + count]:
                sql = "update cards set type = 2, queue = 2, ivl = 5, due = ? where id = ?"
                col.db.execute(sql, today + offset, cid)
            position += count
        memory = spec["memory"]
        reviews = add(int(spec["reviews"]), "review")
        for cid in reviews:
            card = col.get_card(cid)
            card.type = card.queue = 2
            card.ivl = int(memory["previous"])
            card.due = today
            card.memory_state = FSRSMemoryState(stability=memory["stability"], difficulty=memory["difficulty"])
            card.last_review_time = now - int(memory["elapsed"]) * 86400
            col.update_card(card)
        col.decks.select(deck)
        col.sched.get_queued_cards(fetch_limit=1)  # builds the queue, and with it the load balancer
        offered = []
        for cid in reviews:
            states = col._backend.get_scheduling_states(cid)
            offered.append([getattr(states, b).normal.review.scheduled_days for b in ("hard", "good", "easy")])
        steps: dict[str, list[int]] = {"again": [], "hard": [], "good": [], "relearn": []}
        for _ in range(int(spec["learn"]) // 3):  # review cards forgotten: the relearning step
            card = col.sched.getCard()
            col.sched.answerCard(card, 1)
            steps["relearn"].append(col.get_card(card.id).due - now)
        learn_deck = col.decks.id("Learn")
        conf = col.decks.config_dict_for_deck_id(learn_deck)
        conf["new"]["perDay"] = int(spec["learn"])
        col.decks.update_config(conf)
        learners = set(add(int(spec["learn"]), "learn", learn_deck))
        col.decks.select(learn_deck)
        seen: set[int] = set()
        while (card := col.sched.getCard()) is not None and card.id not in seen:
            assert card.id in learners
            seen.add(card.id)
            name, ease = (("again", 1), ("hard", 2), ("good", 3))[len(seen) % 3]
            col.sched.answerCard(card, ease)
            steps[name].append(col.get_card(card.id).due - now)
        counted = col.db.all("select due - ?, count() from cards where queue = 2 group by due", today)
    finally:
        col.close()
    with open(out, "w") as fh:
        json.dump({"today": today, "offered": offered, "steps": steps, "counted": counted}, fh)


if __name__ == "__main__":
    main()
