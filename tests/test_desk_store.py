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
