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
