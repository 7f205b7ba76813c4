//! What only a store with a database outside the process can show: SQLite data surviving a
//! reopen, and Postgres nodes sharing one database.

/// Reopening applies no migration twice and sees the data.
#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_reopened_sees_its_data_and_migrates_once() {
    use std::sync::Arc;
    use switchboard_webhooks::delivery::store::{EndpointStore, JournalStore};
    let dir = crate::fixtures::SqliteDir::new();
    crate::journal::prune_keeps_pending_work(Arc::new(dir.open())).await;
    let again = dir.open();
    assert_eq!(again.list_endpoints().await.unwrap().len(), 1);
    assert_eq!(
        again
            .list_deliveries(&Default::default())
            .await
            .unwrap()
            .len(),
        2
    );
}

/// Replay records survive a restart.
#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_replay_records_survive_a_reopen() {
    use crate::seen::{SEEN_LAST, SEEN_SOURCE};
    use crate::support::{secs, t0};
    use std::sync::Arc;
    use switchboard_webhooks::delivery::store::SeenStore;
    let dir = crate::fixtures::SqliteDir::new();
    crate::seen::mark_seen_catches_replays_until_expiry(Arc::new(dir.open())).await;
    let replay = dir
        .open()
        .mark_seen(SEEN_SOURCE, &SEEN_LAST, t0() + secs(1), t0() + secs(601))
        .await
        .unwrap();
    assert!(!replay, "a replay after reopening the file is still caught");
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_replay_records_are_shared_between_nodes() {
    use crate::fixtures::schema_name;
    use crate::support::{secs, t0};
    use switchboard_webhooks::delivery::store::{PostgresOptions, PostgresStore, SeenStore};
    let Ok(url) = std::env::var("SWITCHBOARD_TEST_POSTGRES_URL") else {
        eprintln!(
            "skipping postgres_replay_records_are_shared_between_nodes: SWITCHBOARD_TEST_POSTGRES_URL is not set"
        );
        return;
    };
    let options = PostgresOptions {
        schema: Some(schema_name("sbtest_seen")),
        max_connections: 4,
    };
    let a = PostgresStore::connect(&url, options.clone()).await.unwrap();
    let b = PostgresStore::connect(&url, options).await.unwrap();
    let until = t0() + secs(600);
    assert!(a.mark_seen("github", &[1; 32], t0(), until).await.unwrap());
    assert!(
        !b.mark_seen("github", &[1; 32], t0(), until).await.unwrap(),
        "the other node sees the first node's record"
    );
    // Both nodes racing on one new request: exactly one first sighting.
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            store
                .mark_seen("github", &[2; 32], t0(), until)
                .await
                .unwrap()
        }));
    }
    let mut won = 0;
    for t in tasks {
        won += usize::from(t.await.unwrap());
    }
    assert_eq!(won, 1);
    drop(b);
    a.drop_schema().await.unwrap();
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_announces_new_work_to_other_stores() {
    use crate::fixtures::schema_name;
    use crate::support::{endpoint, message, secs, t0};
    use std::time::Duration;
    use switchboard_webhooks::delivery::EventFilter;
    use switchboard_webhooks::delivery::store::{
        EndpointStore, PostgresOptions, PostgresStore, QueueStore,
    };
    let Ok(url) = std::env::var("SWITCHBOARD_TEST_POSTGRES_URL") else {
        eprintln!(
            "skipping postgres_announces_new_work_to_other_stores: SWITCHBOARD_TEST_POSTGRES_URL is not set"
        );
        return;
    };
    let options = PostgresOptions {
        schema: Some(schema_name("sbtest_notify")),
        max_connections: 2,
    };
    let a = PostgresStore::connect(&url, options.clone()).await.unwrap();
    let b = PostgresStore::connect(&url, options).await.unwrap();
    let signal = b.work_signal().unwrap();
    let woken = tokio::spawn(async move { signal.notified().await });
    a.insert_endpoint(&endpoint("e", EventFilter::All))
        .await
        .unwrap();
    a.insert_message(message("x", None), t0(), t0(), secs(1))
        .await
        .unwrap();
    // Real time: the notification crosses the server.
    tokio::time::timeout(Duration::from_secs(5), woken)
        .await
        .expect("the other store was not notified")
        .unwrap();
    drop(b);
    a.drop_schema().await.unwrap();
}
