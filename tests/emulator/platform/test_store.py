"""The state file under a room: a subscription-wide list of one type reads that type's rows through an
index, not every row of every deployment in the state."""
import pytest

from praks_lib.emulator.platform.store import Store

LIST = ("SELECT body FROM resources WHERE type = ? AND (scope = ? OR substr(scope, 1, ?) = ?) ORDER BY rowid")


def test_a_list_of_one_type_uses_the_type_index(tmp_path):
    store = Store(tmp_path)
    with store.transaction() as tx:
        for n in range(200):
            tx.put(f"/subscriptions/s/resourceGroups/g{n}/providers/Microsoft.Network/publicIPAddresses/ip",
                   {"n": n}, type="Microsoft.Network/publicIPAddresses", scope=f"/subscriptions/s/resourceGroups/g{n}")
        tx.conn.execute("ANALYZE")
        plan = tx.conn.execute(f"EXPLAIN QUERY PLAN {LIST}", ("microsoft.network/subnets", "/subscriptions", 15,
                                                              "/subscriptions/")).fetchall()
        assert any("resources_type" in row[-1] for row in plan), plan
        assert len(tx.list("Microsoft.Network/publicIPAddresses", "/subscriptions")) == 200


class Work:
    """Deferred work that records its flush and proves the state file is unlocked by then."""

    def __init__(self, store, name, flushed):
        self.store, self.name, self.flushed = store, name, flushed

    def flush(self):
        with self.store.transaction():  # would wait for the lock if the transaction still held it
            self.flushed.append(self.name)


def test_deferred_work_is_made_once_per_key_and_flushed_in_order_when_the_transaction_commits(tmp_path):
    store, flushed = Store(tmp_path), []
    with store.transaction() as tx:
        first = tx.deferred("a", lambda: Work(store, "a", flushed))
        assert tx.deferred("a", lambda: Work(store, "a again", flushed)) is first
        tx.deferred("b", lambda: Work(store, "b", flushed))
        assert flushed == []
    assert flushed == ["a", "b"]


def test_deferred_work_is_flushed_when_the_transaction_rolls_back(tmp_path):
    store, flushed = Store(tmp_path), []
    with pytest.raises(KeyError), store.transaction() as tx:
        tx.deferred("a", lambda: Work(store, "a", flushed))
        raise KeyError("the request failed")
    assert flushed == ["a"]
