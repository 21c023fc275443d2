"""The state file under a room: a subscription-wide list of one type reads that type's rows through an
index, not every row of every deployment in the state."""
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
