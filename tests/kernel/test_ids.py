from uuid import RFC_4122

from guanxi.kernel.ids import uuid7, uuid7_batch


def test_ids_are_version_7_and_sort_in_creation_order() -> None:
    ids = [uuid7() for _ in range(5000)]
    assert all(i.version == 7 for i in ids)
    assert ids == sorted(ids)
    assert [str(i) for i in ids] == sorted(str(i) for i in ids)
    assert len(set(ids)) == len(ids)


def test_a_batch_of_ids_continues_the_same_order() -> None:
    before = uuid7()
    batch = uuid7_batch(3000)
    after = uuid7()
    ids = [before, *batch, after]
    assert uuid7_batch(0) == []
    assert all(i.version == 7 and i.variant == RFC_4122 for i in ids)
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert [str(i) for i in ids] == sorted(str(i) for i in ids)
