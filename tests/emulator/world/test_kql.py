"""The duckdb-kql adaptations in praks_lib.emulator.world.kql, one test each."""

from datetime import datetime

import duckdb_kql
import pytest

from praks_lib.emulator.world import kql
from praks_lib.emulator.world.logs.wire_format import LogQueryError

NOW = datetime(2024, 1, 1, 12, 0, 0)


@pytest.fixture
def con():
    con = duckdb_kql.connect()
    con.execute(
        """CREATE TABLE AZFWApplicationRule AS SELECT
             TIMESTAMP '2024-01-01 11:30:00' + to_seconds(i) AS TimeGenerated,
             CASE WHEN i % 3 = 0 THEN 'Deny' ELSE 'Allow' END AS Action,
             'batman.com' AS Fqdn, CAST(40000 + i AS INTEGER) AS SourcePort,
             i % 2 = 0 AS IsTlsInspected, '{"a": 1}'::JSON AS Props, CAST(0.5 * i AS DOUBLE) AS Ratio
           FROM range(10) t(i)"""
    )
    yield con
    con.close()


def run(con, query, max_rows=1000):
    return kql.run(con, query, now=NOW, max_rows=max_rows)


def test_columns_are_labelled_with_log_analytics_types(con):
    result = run(con, "AZFWApplicationRule | extend Age = now() - TimeGenerated | take 1")
    assert dict(result.columns) == {
        "TimeGenerated": "datetime", "Action": "string", "Fqdn": "string",
        "SourcePort": "int", "IsTlsInspected": "bool", "Props": "dynamic",
        "Ratio": "real", "Age": "timespan",
    }


def test_count_is_long_and_sum_of_int_is_long(con):
    result = run(con, "AZFWApplicationRule | summarize count(), sum(SourcePort) by Action")
    assert result.columns == [("Action", "string"), ("count_", "long"),
                              ("sum_SourcePort", "long")]
    assert sorted(result.rows) == [("Allow", 6, 240027), ("Deny", 4, 160018)]


def test_now_and_ago_are_the_request_time(con):
    assert run(con, "AZFWApplicationRule | where TimeGenerated > ago(1h) | count").rows == [(10,)]
    assert run(con, "AZFWApplicationRule | where TimeGenerated > ago(10m) | count").rows == [(0,)]


def refusal(caught):
    """(Kusto's error, its detail) from the query API's 400 body."""
    assert caught.value.status == 400 and caught.value.body["error"]["code"] == "BadArgumentError"
    kusto = caught.value.body["error"]["innererror"]
    return kusto, kusto["innererror"]


def test_syntax_error_is_syn0002_with_kusto_position(con):
    with pytest.raises(LogQueryError) as caught:
        run(con, "AZFWApplicationRule\n| where Action = = 'Deny'")
    kusto, detail = refusal(caught)
    assert (kusto["code"], detail["code"]) == ("SyntaxError", "SYN0002")
    assert kusto["message"] == "A recognition error occurred in the query."
    assert detail["line"] == 2
    assert detail["message"] == f"Query could not be parsed at '{detail['token']}' on line [2,{detail['pos']}]"


def test_unknown_table_names_the_operator_like_kusto(con):
    with pytest.raises(LogQueryError) as caught:
        run(con, "AZFWApplicationRules | take 10")
    kusto, detail = refusal(caught)
    assert (kusto["code"], detail["code"]) == ("SemanticError", "SEM0100")
    assert detail["message"] == (
        "'take' operator: Failed to resolve table or column expression named "
        "'AZFWApplicationRules'"
    )


def test_unknown_column_is_an_unresolved_scalar_expression(con):
    with pytest.raises(LogQueryError) as caught:
        run(con, "AZFWApplicationRule | where Action == 'Deny' | project Fqdn, DestinationIp")
    assert refusal(caught)[1]["message"] == (
        "'project' operator: Failed to resolve scalar expression named 'DestinationIp'"
    )


def test_construct_duckdb_kql_lacks_is_a_clear_semantic_error(con):
    with pytest.raises(LogQueryError) as caught:
        run(con, 'search "batman.com"')
    kusto, detail = refusal(caught)
    assert kusto["code"] == "SemanticError"
    assert "offline emulator does not support" in detail["message"]


def test_rows_beyond_the_limit_are_cut_and_flagged(con):
    result = run(con, "AZFWApplicationRule", max_rows=4)
    assert len(result.rows) == 4 and result.truncated
    assert not run(con, "AZFWApplicationRule", max_rows=10).truncated


def test_render_is_accepted_and_its_visualization_read(con):
    query = "AZFWApplicationRule | summarize count() by bin(TimeGenerated, 5m) | render timechart"
    assert run(con, query).columns[1] == ("count_", "long")
    assert kql.visualization(query) == "timechart"
    assert kql.visualization("AZFWApplicationRule | take 1") is None
