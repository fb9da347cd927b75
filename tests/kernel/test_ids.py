from guanxi.kernel.ids import uuid7


def test_ids_are_version_7_and_sort_in_creation_order() -> None:
    ids = [uuid7() for _ in range(5000)]
    assert all(i.version == 7 for i in ids)
    assert ids == sorted(ids)
    assert [str(i) for i in ids] == sorted(str(i) for i in ids)
    assert len(set(ids)) == len(ids)
