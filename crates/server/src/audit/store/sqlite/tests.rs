//! The SQLite audit tables: batches, the keys of callers and labels across restarts and
//! writers, the migration of rows stored before the keys, and retention.

use super::*;

fn row(i: i64) -> CallRow {
    CallRow {
        id: 0,
        at_us: 1_000 + i,
        token: Some("t".to_owned()),
        user_id: None,
        email: None,
        user_name: None,
        role: None,
        chat_id: None,
        message_id: None,
        tool: "calculate".to_owned(),
        transport: "rest".to_owned(),
        outcome: "ok".to_owned(),
        duration_us: i,
        arguments_sha256: None,
        arguments: Some(format!("{{\"i\":{i}}}")),
        result_bytes: i,
    }
}

#[tokio::test]
async fn a_batch_of_full_statements_and_one_of_each_smaller_size_stores_every_row_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteAudit::open(&dir.path().join("audit.db")).unwrap();
    let n = i64::try_from(INSERT_SIZES[0] * 2 + 31).unwrap();
    store.insert((0..n).map(row).collect()).await.unwrap();
    let stored: Vec<(i64, i64, String)> = store
        .with(|conn| {
            let mut stmt =
                conn.prepare("SELECT at_us, result_bytes, arguments FROM audit_calls ORDER BY id")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
        .unwrap();
    let expected: Vec<(i64, i64, String)> = (0..n)
        .map(|i| (1_000 + i, i, format!("{{\"i\":{i}}}")))
        .collect();
    assert_eq!(stored, expected);
}

#[test]
fn an_insert_statement_numbers_its_parameters_row_after_row() {
    let sql = insert_sql(2);
    let expected = "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11), \
                    (?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)";
    assert!(sql.ends_with(expected), "{sql}");
}

/// A row of `caller` (token, user id, email) calling `tool` at `at_us`.
fn call(at_us: i64, caller: [Option<&str>; 3], tool: &str) -> CallRow {
    let [token, user_id, email] = caller.map(|n| n.map(str::to_owned));
    CallRow {
        at_us,
        token,
        user_id,
        email,
        tool: tool.to_owned(),
        ..row(at_us - 1_000)
    }
}

/// Every row, newest first.
async fn all(store: &SqliteAudit) -> Vec<CallRow> {
    store
        .list(CallQuery {
            limit: 1000,
            ..CallQuery::default()
        })
        .await
        .unwrap()
}

async fn count(store: &SqliteAudit, table: &'static str) -> i64 {
    store
        .with(move |conn| {
            Ok(conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?)
        })
        .await
        .unwrap()
}

/// `rows` with the ids the store gave them, for comparing with what it lists.
fn with_ids(rows: &[CallRow], listed: &[CallRow]) -> Vec<CallRow> {
    rows.iter()
        .zip(listed)
        .map(|(r, l)| CallRow {
            id: l.id,
            ..r.clone()
        })
        .collect()
}

#[tokio::test]
async fn the_keys_of_callers_and_labels_are_reused_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.db");
    let ada = [Some("owui"), Some("u-1"), Some("ada@example.com")];
    let ops = [Some("ops"), None, None];
    let first = vec![call(1_001, ada, "calculate"), call(1_002, ops, "search")];
    SqliteAudit::open(&path)
        .unwrap()
        .insert(first.clone())
        .await
        .unwrap();

    let store = SqliteAudit::open(&path).unwrap();
    let second = vec![call(1_003, ops, "calculate"), call(1_004, ada, "search")];
    store.insert(second.clone()).await.unwrap();

    assert_eq!(count(&store, "audit_callers").await, 2);
    // calculate, search, rest, ok.
    assert_eq!(count(&store, "audit_labels").await, 4);
    let listed = all(&store).await;
    let expected: Vec<CallRow> = first.into_iter().chain(second).rev().collect();
    assert_eq!(listed, with_ids(&expected, &listed));
}

#[tokio::test]
async fn two_writers_sharing_the_file_agree_on_every_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.db");
    let a = SqliteAudit::open(&path).unwrap();
    let b = SqliteAudit::open(&path).unwrap();
    let callers = [
        [Some("owui"), Some("u-1"), None],
        [Some("owui"), Some("u-2"), None],
        [Some("owui"), None, None],
    ];
    // Each writer's batches name the callers and tools in its own order, interleaved with the
    // other's; a row's tool and caller are derived from its time, to check each read back.
    let expected = |at_us: i64| {
        let n = usize::try_from(at_us).unwrap();
        call(at_us, callers[n % 3], &format!("tool_{}", n % 5))
    };
    let write = |store: SqliteAudit, first: i64| async move {
        for batch in 0..20 {
            let rows = (0..7)
                .map(|i| expected(first + batch * 100 + i * 2))
                .collect();
            store.insert(rows).await.unwrap();
        }
    };
    tokio::join!(write(a.clone(), 10_000), write(b, 10_001));

    assert_eq!(count(&a, "audit_callers").await, 3);
    assert_eq!(count(&a, "audit_labels").await, 5 + 2);
    let listed = all(&a).await;
    assert_eq!(listed.len(), 2 * 20 * 7);
    for row in &listed {
        assert_eq!(
            row,
            &CallRow {
                id: row.id,
                ..expected(row.at_us)
            }
        );
    }
}

#[tokio::test]
async fn a_missing_name_and_an_empty_one_are_different_callers() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteAudit::open(&dir.path().join("audit.db")).unwrap();
    let rows = vec![
        call(1_001, [Some("t"), None, None], "calculate"),
        call(1_002, [Some("t"), Some(""), None], "calculate"),
        call(1_003, [Some("t"), None, Some("")], "calculate"),
    ];
    store.insert(rows.clone()).await.unwrap();
    assert_eq!(count(&store, "audit_callers").await, 3);
    let listed = all(&store).await;
    let expected: Vec<CallRow> = rows.into_iter().rev().collect();
    assert_eq!(listed, with_ids(&expected, &listed));
}

#[tokio::test]
async fn retention_deletes_a_caller_with_its_last_row_and_a_later_call_adds_it_again() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteAudit::open(&dir.path().join("audit.db")).unwrap();
    let gone = [Some("t"), Some("u-gone"), Some("gone@example.com")];
    let kept = [Some("t"), Some("u-kept"), None];
    store
        .insert(vec![call(1_001, gone, "calculate")])
        .await
        .unwrap();
    store
        .insert(vec![
            call(1_002, kept, "calculate"),
            call(5_000, kept, "search"),
        ])
        .await
        .unwrap();

    assert_eq!(store.delete_before(2_000).await.unwrap(), 2);
    assert_eq!(count(&store, "audit_callers").await, 1);
    let bytes: Vec<u8> = store
        .with(|conn| {
            let names: Vec<Option<String>> = conn
                .prepare("SELECT email FROM audit_callers")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            Ok(format!("{names:?}").into_bytes())
        })
        .await
        .unwrap();
    assert!(!String::from_utf8(bytes).unwrap().contains("gone@"));

    let again = call(6_000, gone, "calculate");
    store.insert(vec![again.clone()]).await.unwrap();
    let listed = all(&store).await;
    let expected = [again, call(5_000, kept, "search")];
    assert_eq!(listed, with_ids(&expected, &listed));
}

#[tokio::test]
async fn migrating_keeps_every_row_stored_before_the_keys_with_its_id() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.db");
    let v1 = switchboard::webhooks::delivery::store::migrations::Migrations {
        steps: &[(1, schema::V1)],
        ..MIGRATIONS
    };
    let digest = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    let old = [
        CallRow {
            id: 1,
            user_name: Some("Ada".to_owned()),
            role: Some("admin".to_owned()),
            chat_id: Some("chat-1".to_owned()),
            message_id: Some("msg-1".to_owned()),
            arguments_sha256: Some(digest.to_owned()),
            ..call(
                2_000,
                [Some("owui"), Some("u-1"), Some("ada@example.com")],
                "calculate",
            )
        },
        CallRow {
            id: 2,
            transport: "mcp".to_owned(),
            outcome: "refused_policy".to_owned(),
            arguments: None,
            ..call(2_000, [None, None, None], "execute_code")
        },
        CallRow {
            id: 4,
            ..call(
                1_500,
                [Some("owui"), Some("u-1"), Some("ada@example.com")],
                "search",
            )
        },
    ];
    {
        let mut conn = Connection::open(&path).unwrap();
        apply_sqlite(&mut conn, &v1).unwrap();
        for r in &old {
            conn.execute(
                "INSERT INTO tool_calls (id, at_us, token, user_id, email, user_name, role, \
                 chat_id, message_id, tool, transport, outcome, duration_us, arguments_sha256, \
                 arguments, result_bytes) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
                params![
                    r.id,
                    r.at_us,
                    r.token,
                    r.user_id,
                    r.email,
                    r.user_name,
                    r.role,
                    r.chat_id,
                    r.message_id,
                    r.tool,
                    r.transport,
                    r.outcome,
                    r.duration_us,
                    r.arguments_sha256,
                    r.arguments,
                    r.result_bytes
                ],
            )
            .unwrap();
        }
        // A row deleted after the others were written: its id is not given again.
        conn.execute(
            "INSERT INTO tool_calls (id, at_us, tool, transport, outcome, duration_us, \
             result_bytes) VALUES (9, 1, 'x', 'rest', 'ok', 0, 0)",
            [],
        )
        .unwrap();
        conn.execute("DELETE FROM tool_calls WHERE id = 9", [])
            .unwrap();
    }

    let store = SqliteAudit::open(&path).unwrap();
    // Newest first; rows of the same time newest id first.
    assert_eq!(
        all(&store).await,
        [old[1].clone(), old[0].clone(), old[2].clone()]
    );
    // Ada with her name and role, Ada without, and nobody.
    assert_eq!(count(&store, "audit_callers").await, 3);
    let new = call(3_000, [Some("owui"), None, None], "calculate");
    store.insert(vec![new]).await.unwrap();
    assert_eq!(all(&store).await[0].id, 10);
    // The view shows what the listing shows.
    let from_view: Vec<(i64, String, Option<String>)> = store
        .with(|conn| {
            Ok(conn
                .prepare("SELECT id, outcome, arguments_sha256 FROM tool_calls ORDER BY id")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<_, _>>()?)
        })
        .await
        .unwrap();
    assert_eq!(
        from_view,
        [
            (1, "ok".to_owned(), Some(digest.to_owned())),
            (2, "refused_policy".to_owned(), None),
            (4, "ok".to_owned(), None),
            (10, "ok".to_owned(), None),
        ]
    );
}

#[tokio::test]
async fn a_row_whose_digest_is_not_hex_is_refused_and_nothing_of_its_batch_stored() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteAudit::open(&dir.path().join("audit.db")).unwrap();
    let bad = CallRow {
        arguments_sha256: Some("not a digest".to_owned()),
        ..row(2)
    };
    let err = store.insert(vec![row(1), bad]).await.unwrap_err();
    assert!(format!("{err:#}").contains("not 64 hex digits"), "{err:#}");
    assert!(all(&store).await.is_empty());
}
