"""eval/sets.toml: every listed set exists, and held-out files stay out of the folder the training reads."""

from kiosk.bench.eval_sets import EVAL_DIR, eval_sets, read_vignettes


def test_every_listed_set_has_its_files_and_cases():
    sets = eval_sets()
    assert len({s.name for s in sets}) == len(sets)
    for s in sets:
        cases = read_vignettes(s.cases)
        assert cases and all({"text", "emergency"} <= set(c) for c in cases), s.name
        if s.sessions is not None:
            assert all(c["answers"] and c["clarify"] for c in read_vignettes(s.sessions)), s.name


def test_only_tuning_sets_live_where_the_second_opinion_is_trained():
    tuning = EVAL_DIR / "tuning"
    for s in eval_sets():
        files = [s.cases] + ([s.sessions] if s.sessions else [])
        for f in files:
            assert (f.parent == tuning) == (s.role == "tuning"), f"{s.name}: {f.name} is {s.role}"


def test_exactly_one_set_is_the_newest_held_out():
    sets = eval_sets()
    assert sets[0].held_out and sum(s.held_out for s in sets) == 1
