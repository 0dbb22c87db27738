"""The desk's store: saving keeps one step of undo that a repeated save cannot spoil."""
from __future__ import annotations

from archive_factory import write_archive
from guanxin_site.desk.store import Store, digest_of
from guanxin_site.fsutil import backup_path


def test_a_second_save_with_nothing_changed_keeps_the_version_before_the_edit(tmp_path):
    """Found by a new editor: edit, Ctrl+S, Ctrl+S again out of habit, then 撤销上次保存 — the edit stayed,
    because the second save had copied the edited file over the .bak."""
    project = tmp_path / "project"
    write_archive(project, 1)
    store = Store(project)
    [entry] = store.entries()
    original = entry.path.read_bytes()
    edited = original.replace(b"---\n\n", b"summary: \xe6\x91\x98\xe8\xa6\x81\n---\n\n", 1)
    first = store.save(entry, digest_of(original), edited)
    second = store.save(entry, first, edited)  # the same bytes again
    assert second == first == digest_of(edited)
    assert backup_path(entry.path).read_bytes() == original
    store.undo(entry, second)
    assert entry.path.read_bytes() == original


def test_publishing_without_the_password_points_at_the_desks_password_box(tmp_path, monkeypatch):
    """Found by a new editor: the desk said to set GUANXIN_DEPLOY_PASSWORD or answer a prompt, neither of
    which the page has."""
    import pytest

    from guanxin_site.build import build
    from guanxin_site.deploy import DeployError
    from guanxin_site.desk.work import _deploy

    monkeypatch.delenv("GUANXIN_DEPLOY_PASSWORD", raising=False)
    project = tmp_path / "project"
    write_archive(project, 1)
    build(project, project / "site")

    class Job:
        def progress(self, *args):
            pass

    with pytest.raises(DeployError) as caught:
        _deploy(Job(), project / "site", "ftp://editor@127.0.0.1:9/htdocs", None)
    assert "服务器密码" in str(caught.value) and "GUANXIN_DEPLOY_PASSWORD" not in str(caught.value)


def test_the_list_and_a_failed_publish_name_fields_by_the_forms_labels(tmp_path):
    """The parser names front-matter keys (“number”); the desk's form calls that field 期号, and so
    must its list of issues and the message of a publish that stopped."""
    import threading

    import pytest

    from guanxin_site.desk.checks import Listing
    from guanxin_site.desk.work import publish
    from guanxin_site.errors import ContentErrors

    project = tmp_path / "project"
    write_archive(project, 2)
    path = next((project / "issues").rglob("*.md"))
    path.write_text(path.read_text(encoding="utf-8").replace("number: ", "number: 第", 1), encoding="utf-8")
    store = Store(project)
    row = next(r for r in Listing(store).issues() if r["problems"])
    assert "“期号”" in row["first_problem"] and "“number”" not in row["first_problem"]

    class Job:
        def progress(self, *args):
            pass

    with pytest.raises(ContentErrors) as stopped:
        publish(store, Job(), threading.Lock(), None, None)
    assert "“期号”" in str(stopped.value) and "“number”" not in str(stopped.value)
