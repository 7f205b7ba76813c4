//! An enqueue racing a change of an endpoint's `ordered` setting (under READ COMMITTED): the
//! enqueue reads the endpoint `FOR KEY SHARE`, so while the change holds the endpoints table it
//! waits, and then copies the new setting into the delivery, which the change's flag rewrite
//! could not see. (Without the row lock it would not wait, and would copy the old setting.)

use std::time::{Duration, SystemTime};

use bytes::Bytes;

use super::endpoints::reorder_queue;
use super::{PostgresOptions, PostgresStore};
use crate::delivery::ids::{EndpointId, MessageId};
use crate::delivery::store::QueueStore;
use crate::delivery::store::types::NewMessage;

/// A store in its own schema with one concurrent endpoint `ep_1` taking every type; `None`
/// without a test database.
async fn store_with_endpoint(name: &str) -> Option<PostgresStore> {
    let Ok(url) = std::env::var("SWITCHBOARD_TEST_POSTGRES_URL") else {
        eprintln!("skipping: SWITCHBOARD_TEST_POSTGRES_URL is not set");
        return None;
    };
    let options = PostgresOptions {
        schema: Some(format!("sbrace_{name}_{}", std::process::id())),
        max_connections: 4,
    };
    let store = PostgresStore::connect(&url, options).await.unwrap();
    sqlx::raw_sql(
        "INSERT INTO endpoints (id, name, url, events, keys, headers, enabled, max_in_flight, \
           created_at, updated_at, ordered) \
         VALUES ('ep_1', 'switched', 'https://example.com/hook', '\"all\"', '[]', '[]', TRUE, 8, \
           0, 0, FALSE)",
    )
    .execute(&store.pool)
    .await
    .unwrap();
    Some(store)
}

/// Switches `ep_1` to ordered in a transaction that holds the endpoints table (as
/// `update_settings` does) while an enqueue of a
/// message (with `key` or without) starts, waits until that enqueue waits for the row, then
/// rewrites the queued deliveries' flags and commits. Returns the enqueued delivery's flag.
async fn flag_of_an_enqueue_racing_the_switch(name: &str, key: Option<&str>) -> Option<bool> {
    let store = store_with_endpoint(name).await?;
    let mut change = store.pool.begin().await.unwrap();
    let change_pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *change)
        .await
        .unwrap();
    sqlx::query("LOCK TABLE endpoints IN EXCLUSIVE MODE")
        .execute(&mut *change)
        .await
        .unwrap();
    sqlx::query("UPDATE endpoints SET ordered = TRUE WHERE id = 'ep_1'")
        .execute(&mut *change)
        .await
        .unwrap();
    let enqueue = tokio::spawn({
        let store = store.clone();
        let message = NewMessage {
            id: MessageId::generate(),
            event_type: "x".to_owned(),
            channels: Vec::new(),
            payload: Bytes::from_static(b"{}"),
            idempotency_key: key.map(str::to_owned),
            exclude_endpoint: None,
        };
        async move {
            let now = SystemTime::now();
            store
                .insert_message(message, now, now, Duration::from_secs(60))
                .await
        }
    });
    // The enqueue's statement is under way (its snapshot taken) once it waits for the change.
    let waiting = "SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))";
    let mut polls = 0;
    while sqlx::query_scalar::<_, i64>(waiting)
        .bind(change_pid)
        .fetch_one(&store.pool)
        .await
        .unwrap()
        == 0
    {
        polls += 1;
        assert!(polls < 500, "the enqueue never waited for the endpoint");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let endpoint = EndpointId::try_from("ep_1".to_owned()).unwrap();
    reorder_queue(&mut change, &endpoint, true).await.unwrap();
    change.commit().await.unwrap();
    let enqueued = enqueue.await.unwrap().unwrap();
    assert_eq!(enqueued.deliveries.len(), 1);
    let flag: bool = sqlx::query_scalar("SELECT ordered FROM deliveries WHERE id = $1")
        .bind(enqueued.deliveries[0].as_str())
        .fetch_one(&store.pool)
        .await
        .unwrap();
    store.drop_schema().await.unwrap();
    Some(flag)
}

#[tokio::test]
async fn a_batched_enqueue_racing_a_switch_to_ordered_copies_the_new_setting() {
    if let Some(flag) = flag_of_an_enqueue_racing_the_switch("plain", None).await {
        assert!(
            flag,
            "the delivery follows the setting committed while it waited"
        );
    }
}

#[tokio::test]
async fn a_keyed_enqueue_racing_a_switch_to_ordered_copies_the_new_setting() {
    if let Some(flag) = flag_of_an_enqueue_racing_the_switch("keyed", Some("k-1")).await {
        assert!(
            flag,
            "the delivery follows the setting committed while it waited"
        );
    }
}
