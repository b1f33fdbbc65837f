"""A clerk's words print as written on the command line (issue 14, "People read the output"): the CLI
prints through rich with markup on, so user text — a title, an organ, a 退回理由, a comment, a notice's
subject — put into a line of our markup must not vanish or restyle when it holds "[a]", "[bold]x[/bold]",
"[/]", "[link=…]", "\\[", backslashes before brackets or at the end, or ":smile:" (rich's emoji codes).
One home per module (a dossier taken in and returned with a reason, once); each example only rewrites
the words in its rows, then runs gate, status, history and the drafter's inbox (notify list) through
typer's CliRunner and finds each word verbatim in the output, after the control-character cleaning
(cli.output.printable) every line gets. Also: our own markup keeps its style on a terminal."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

# Pieces rich would read as markup or emoji, and ordinary words around them. A tab is left out: the
# console expands it to spaces by column, a matter of layout, not of markup.
PIECES = ["[a]", "[bold]", "[/bold]", "[bold]x[/bold]", "[/]", "[/x]", "[link=http://x]y[/link]", "\\[", "\\", "\\\\",
          "\\[b]", "[", "]", "[red]x[/red]", ":smile:", ":thumbs_up:", "[2019]", "[附件1]", "〔2026〕", "关于", "规范",
          "【一、（二）】", "@", "#", "=", "/", "\x1b[31m", "\x07", "\r", "\x00", "\x85", " ", "a", "Z"]
WORDS = st.lists(st.one_of(st.sampled_from(PIECES),
                           st.text(st.characters(exclude_characters="\t\n", exclude_categories=("Cs",)), max_size=4)),
                 min_size=1, max_size=6).map("".join).filter(lambda s: s.strip() and s == s.strip())


def cleaned(text: str) -> str:
    from cli.output import _CONTROLS
    return text.translate(_CONTROLS)


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """A home with one dossier, returned at 起草单位审核 with a comment and one reason (the drafter's
    inbox then holds the return), and a CliRunner on the application built once."""
    import typer.main
    import typer.testing

    import cli.main
    from samples.genhe import write_zip
    from services.dossiers.intake import intake_bundle
    from services.home.context import open_services
    from tests.support.homes import scratch_home
    with scratch_home("s11-markup-") as (home, base):
        svc = open_services(home)
        d = intake_bundle([write_zip(base / "b.zip", "complete")], "drafter", svc).dossier
        built = typer.main.get_command(cli.main.every_command())
        with pytest.MonkeyPatch.context() as mp:   # the runner builds the click command once, not per call
            mp.setattr(typer.testing, "_get_command",
                       lambda app: built if app is cli.main.app else typer.main.get_command(app))
            runner = CliRunner()
            o = {"home": home, "dossier": d, "runner": runner, "db": home.path / "lockstep.db"}
            r = run(o, "review", d, "--stage", "unit_check", "--return", "--comment", "请修改",
                    "--reason", "请补充起草说明", "--as", "director")
            assert r.exit_code == 0, r.output
            entered(o)
            yield o


def run(office, *args: str):
    import cli.main
    return office["runner"].invoke(cli.main.app, ["--home", str(office["home"].path), *args],
                                   catch_exceptions=False, env={"COLUMNS": "200"})


def entered(office) -> None:
    """A register entry for the dossier, as a publication writes it (register list and show read it)."""
    import sqlite3
    db = sqlite3.connect(office["db"])
    try:
        db.execute("INSERT INTO register_entries (registration_number, year, serial, dossier_id, document_number, title,"
                   " organ, drafting_unit, published_at, status) VALUES ('GHSG-2026-001', 2026, 1, ?, '根政发〔2026〕1号',"
                   " '标题', '根河市人民政府', '根河市政务服务局', '2026-12-07 08:00:00.000000', 'in_force')",
                   (office["dossier"],))
        db.commit()
    finally:
        db.close()


def reword(office, title: str, unit: str, reason: str, comment: str, subject: str) -> None:
    """The example's words in the rows the commands read (the audit chain's payload too: history prints it)."""
    import sqlite3
    db = sqlite3.connect(office["db"])
    try:
        d = office["dossier"]
        db.execute("UPDATE dossiers SET title = ?, drafting_unit = ? WHERE id = ?", (title, unit, d))
        rows = db.execute("SELECT id, reasons FROM decisions WHERE dossier_id = ?", (d,)).fetchall()
        for id_, reasons in rows:
            reasons = [{**x, "text": reason} for x in json.loads(reasons or "[]")]
            db.execute("UPDATE decisions SET comment = ?, reasons = ? WHERE id = ?", (comment, json.dumps(reasons), id_))
        for seq, payload in db.execute("SELECT seq, payload FROM events WHERE dossier_id = ?", (d,)).fetchall():
            payload = json.loads(payload)
            if "comment" in payload:
                db.execute("UPDATE events SET payload = ? WHERE seq = ?", (json.dumps({**payload, "comment": comment}), seq))
        db.execute("UPDATE notifications SET subject = ? WHERE person = 'drafter'", (subject,))
        db.execute("UPDATE register_entries SET title = ?, organ = ?, document_number = ?, drafting_unit = ? WHERE dossier_id = ?",
                   (title, subject, reason, unit, d))
        db.commit()
    finally:
        db.close()


def shows(office, args: tuple[str, ...], *words: str) -> None:
    r = run(office, *args)
    assert r.exit_code == 0, r.output
    for w in words:
        assert cleaned(w) in r.output, (args, w, r.output)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(title=WORDS, unit=WORDS, reason=WORDS, comment=WORDS, subject=WORDS)
def test_titles_units_reasons_comments_and_subjects_print_as_written(office, title, unit, reason, comment, subject):
    reword(office, title, unit, reason, comment, subject)
    d = office["dossier"]
    shows(office, ("gate", d), reason, comment, unit)
    shows(office, ("status", d), title, reason, comment, unit)
    shows(office, ("history", d), comment)
    shows(office, ("notify", "list", "--as", "drafter"), subject)
    shows(office, ("register", "list"), title, reason)
    shows(office, ("register", "show", "GHSG-2026-001"), title, subject, reason, unit)


@pytest.mark.parametrize("word", ["[bold]x[/bold]", "[a]", "[/]", "\\", "a\\", "\\[b]", "[link=http://x]y[/link]",
                                  ":smile:", "x[", "[red]", "\\\\", "[b]", "\x1b[2J"])
def test_each_awkward_word_prints_as_written(office, word):
    reword(office, f"标题{word}", f"{word}", word, f"{word}意见", f"通知{word}")
    d = office["dossier"]
    shows(office, ("gate", d), word, f"{word}意见")
    shows(office, ("status", d), f"标题{word}", word)
    shows(office, ("notify", "list", "--as", "drafter"), f"通知{word}")


def test_our_own_markup_keeps_its_style_on_a_terminal_around_user_words():
    from rich.console import Console
    from rich.text import Text

    from cli.fast import CONSOLE
    from cli.output import esc
    line = f"[bold]{esc('a[/bold]b')}[/bold] [red]{esc('c' + chr(92))}[/red] {esc(':smile:')}[green]✓[/green]"
    text = Text.from_markup(line, emoji=CONSOLE["emoji"])
    assert text.plain == "a[/bold]b c\\ :smile:✓"
    console = Console(force_terminal=True, color_system="standard", **CONSOLE)
    style = [text.get_style_at_offset(console, i) for i in range(len(text.plain))]
    assert all(s.bold for s in style[:9]) and not style[9].bold            # the whole title bold, then not
    assert all(s.color and s.color.name == "red" for s in style[10:12])   # "c\" red: its backslash escapes nothing
    assert not any(s.bold or s.color for s in style[12:20]) and style[20].color.name == "green"
