//! The claim's plan for an ordered endpoint with a long finished history: the ordered-head
//! check reads only the partial index of unfinished ordered deliveries.

use rusqlite::{Connection, StatementStatus, params};

use super::queue::claim_sql;
use super::schema;

/// A migrated in-memory database with one ordered endpoint, `finished` delivered deliveries of
/// it, then two pending ones published after them (`dlv_head`, then `dlv_next`), both due.
fn ordered_queue(finished: u32) -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    schema::migrate(&mut conn).unwrap();
    conn.execute_batch(
        "INSERT INTO endpoints (id, name, url, events, keys, headers, enabled, max_in_flight, \
           created_at, updated_at, ordered) \
         VALUES ('ep_1', 'in-order', 'https://example.com/hook', '\"all\"', '[]', '[]', 1, 8, \
           0, 0, 1)",
    )
    .unwrap();
    conn.execute(
        "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ?1) \
         INSERT INTO deliveries (id, message_id, endpoint_id, status, attempts, failed_in_round, \
           created_at, updated_at, ordered) \
         SELECT 'dlv_' || n, 'msg_' || n, 'ep_1', 'delivered', 1, 0, n, n, 1 FROM g",
        [finished],
    )
    .unwrap();
    for (id, at) in [("dlv_head", 1_000_000), ("dlv_next", 1_000_001)] {
        conn.execute(
            "INSERT INTO deliveries (id, message_id, endpoint_id, status, attempts, \
               failed_in_round, next_attempt_at, created_at, updated_at, ordered) \
             VALUES (?1, ?1, 'ep_1', 'pending', 0, 0, ?2, ?2, ?2, 1)",
            params![id, at],
        )
        .unwrap();
    }
    conn
}

/// The ids a claim at `now` returns, and how many virtual machine steps SQLite took for them.
fn claim(conn: &Connection) -> (Vec<String>, i32) {
    let sql = claim_sql(0);
    let mut stmt = conn.prepare(&sql).unwrap();
    let ids = stmt
        .query_map(params![2_000_000_i64, 100_i64], |r| r.get(0))
        .unwrap()
        .collect::<Result<Vec<String>, _>>()
        .unwrap();
    (ids, stmt.get_status(StatementStatus::VmStep))
}

#[test]
fn the_ordered_head_check_reads_the_partial_index_of_unfinished_ordered_deliveries() {
    let conn = ordered_queue(2_000);
    let sql = format!("EXPLAIN QUERY PLAN {}", claim_sql(0));
    let mut stmt = conn.prepare(&sql).unwrap();
    let plan: Vec<String> = stmt
        .query_map(params![2_000_000_i64, 100_i64], |r| r.get::<_, String>(3))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let plan = plan.join("\n");
    let checks = plan.matches("deliveries_ordered_unfinished").count();
    assert_eq!(checks, 2, "one check per scan (pending, leased):\n{plan}");
    assert!(!plan.contains("deliveries_endpoint_created"), "{plan}");
}

#[test]
fn the_claim_of_an_ordered_endpoint_does_not_visit_its_finished_history() {
    let (fresh, fresh_steps) = claim(&ordered_queue(0));
    let (long, long_steps) = claim(&ordered_queue(5_000));
    assert_eq!(fresh, ["dlv_head"]);
    assert_eq!(long, ["dlv_head"], "the head alone, whatever came before");
    assert_eq!(
        long_steps, fresh_steps,
        "5,000 finished deliveries cost the claim no step"
    );
}
