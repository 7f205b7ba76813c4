//! Cursor pages, event-type patterns and time ranges: every store lists the same rows in the
//! same order, so a page made by [`Page::from_rows`] is the same whatever the store.

use std::sync::Arc;

use switchboard_webhooks::delivery::store::{NextStep, Store};
use switchboard_webhooks::delivery::{
    AttemptQuery, Cursor, DeliveryQuery, DeliveryStatus, EventFilter, Message, MessageId,
    MessageQuery, Page,
};

use crate::support::{Effect, claim_at, decision, endpoint, message, secs, t0};

/// Stores messages of these types, the i-th at `t0 + i s`, and one more at the same instant
/// as the last (so ties are ordered by id). Returns their ids in insertion order.
async fn seed(store: &Arc<dyn Store>, types: &[&str]) -> Vec<MessageId> {
    let mut ids = Vec::new();
    for (i, t) in types.iter().enumerate() {
        let at = t0() + secs(i as u64);
        let m = store
            .insert_message(message(t, None), at, at, secs(1))
            .await
            .unwrap();
        ids.push(m.message_id);
    }
    ids
}

async fn page(store: &Arc<dyn Store>, q: MessageQuery) -> Page<Message> {
    let limit = q.effective_limit();
    let rows = store
        .list_messages(&MessageQuery {
            limit: limit + 1,
            ..q.clone()
        })
        .await
        .unwrap();
    Page::from_rows(rows, limit, q.cursor.as_ref())
}

fn ids(p: &Page<Message>) -> Vec<MessageId> {
    p.data.iter().map(|m| m.id.clone()).collect()
}

pub(crate) async fn cursors_walk_messages_older_then_newer_without_gaps(store: Arc<dyn Store>) {
    let mut seeded = seed(&store, &["a", "b", "c", "d", "e"]).await;
    // A sixth message at the same millisecond as the fifth: the id breaks the tie.
    let same = t0() + secs(4);
    seeded.push(
        store
            .insert_message(message("e", None), same, same, secs(1))
            .await
            .unwrap()
            .message_id,
    );
    let mut newest_first = Vec::new();
    let mut cursor: Option<Cursor> = None;
    loop {
        let p = page(
            &store,
            MessageQuery {
                cursor: cursor.clone(),
                limit: 2,
                ..Default::default()
            },
        )
        .await;
        newest_first.extend(ids(&p));
        match p.next {
            Some(next) => {
                assert!(!p.done, "a page with a next cursor is not done");
                cursor = Some(next);
            }
            None => break,
        }
    }
    let mut expected = seeded.clone();
    expected.reverse();
    let (last_two, _) = expected.split_at(2);
    let mut last_two = last_two.to_vec();
    last_two.sort_by(|a, b| b.as_str().cmp(a.as_str()));
    assert_eq!(
        &newest_first[..2],
        &last_two[..],
        "ties go by id, descending"
    );
    assert_eq!(newest_first.len(), 6, "every row once: {newest_first:?}");
    let mut unique = newest_first.clone();
    unique.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    unique.dedup();
    assert_eq!(unique.len(), 6);

    // From the oldest page, walking newer reaches the newest rows again, newest first.
    let oldest = page(
        &store,
        MessageQuery {
            cursor: Some(Cursor::new(
                switchboard_webhooks::delivery::Direction::Newer,
                switchboard_webhooks::delivery::RowKey {
                    at: 0,
                    id: "msg_0".into(),
                    number: 0,
                },
            )),
            limit: 2,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(ids(&oldest), vec![seeded[1].clone(), seeded[0].clone()]);
    let newer = page(
        &store,
        MessageQuery {
            cursor: oldest.prev.clone(),
            limit: 2,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(ids(&newer), vec![seeded[3].clone(), seeded[2].clone()]);
    assert!(!newer.done);
}

pub(crate) async fn a_cursor_is_stable_while_newer_rows_arrive(store: Arc<dyn Store>) {
    let seeded = seed(&store, &["a", "b", "c"]).await;
    let first = page(
        &store,
        MessageQuery {
            limit: 1,
            ..Default::default()
        },
    )
    .await;
    let later = t0() + secs(100);
    store
        .insert_message(message("late", None), later, later, secs(1))
        .await
        .unwrap();
    let second = page(
        &store,
        MessageQuery {
            cursor: first.next.clone(),
            limit: 1,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(ids(&second), vec![seeded[1].clone()]);
    let poll = page(
        &store,
        MessageQuery {
            cursor: first.prev.clone(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(poll.data.len(), 1, "polling newer finds only the late row");
    assert_eq!(poll.data[0].event_type, "late");
}

pub(crate) async fn a_prefix_pattern_lists_every_type_below_it(store: Arc<dyn Store>) {
    let seeded = seed(
        &store,
        &[
            "github.push",
            "github.pull_request.opened",
            "githubx.push",
            "gitlab.push",
            "github",
            "GITHUB.push",
        ],
    )
    .await;
    let listed = |pattern: &'static str| {
        let store = store.clone();
        async move {
            let p = page(
                &store,
                MessageQuery {
                    event_type: Some(pattern.into()),
                    ..Default::default()
                },
            )
            .await;
            ids(&p)
        }
    };
    assert_eq!(
        listed("github.*").await,
        vec![seeded[1].clone(), seeded[0].clone()]
    );
    assert_eq!(listed("github").await, vec![seeded[4].clone()]);
    assert_eq!(listed("*").await.len(), 6);
}

pub(crate) async fn an_endpoint_filter_wildcard_receives_every_type_below_it(
    store: Arc<dyn Store>,
) {
    let gh = endpoint("gh", EventFilter::Only(vec!["github.*".into()]));
    store.insert_endpoint(&gh).await.unwrap();
    let mut tasks = Vec::new();
    // Concurrent inserts, so a store that batches them decides fan-out for a batch too.
    for t in [
        "github.push",
        "github.issue.opened",
        "gitlab.push",
        "github",
    ] {
        for _ in 0..4 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let r = store
                    .insert_message(message(t, None), t0(), t0(), secs(1))
                    .await
                    .unwrap();
                (t, r.deliveries.len())
            }));
        }
    }
    for task in tasks {
        let (t, n) = task.await.unwrap();
        let expected = usize::from(t.starts_with("github."));
        assert_eq!(n, expected, "deliveries of {t}");
    }
}

pub(crate) async fn time_ranges_and_status_narrow_every_list(store: Arc<dyn Store>) {
    let a = endpoint("a", EventFilter::All);
    store.insert_endpoint(&a).await.unwrap();
    let seeded = seed(&store, &["x", "y", "z"]).await;
    let in_range = |since: u64, until: u64| MessageQuery {
        since: Some(t0() + secs(since)),
        until: Some(t0() + secs(until)),
        ..Default::default()
    };
    assert_eq!(
        ids(&page(&store, in_range(1, 2)).await),
        vec![seeded[1].clone()],
        "since is inclusive, until exclusive"
    );
    let deliveries = store
        .list_deliveries(&DeliveryQuery {
            until: Some(t0() + secs(1)),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].message_id, seeded[0]);

    // Deliver the oldest: its message is the one with a delivered delivery.
    let c = store
        .claim_due(&claim_at(t0() + secs(10), 1))
        .await
        .unwrap()
        .remove(0);
    let done_at = t0() + secs(10);
    store
        .complete(&decision(
            &c,
            done_at,
            200,
            NextStep::Delivered,
            Effect::Success,
        ))
        .await
        .unwrap();
    let delivered = page(
        &store,
        MessageQuery {
            status: Some(DeliveryStatus::Delivered),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(ids(&delivered), vec![c.message.id.clone()]);
    let pending_to_a = page(
        &store,
        MessageQuery {
            endpoint: Some(a.id.clone()),
            status: Some(DeliveryStatus::Pending),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(pending_to_a.data.len(), 2);
    let attempts = |since: u64| {
        let store = store.clone();
        async move {
            store
                .list_attempts(&AttemptQuery {
                    since: Some(t0() + secs(since)),
                    ..Default::default()
                })
                .await
                .unwrap()
                .len()
        }
    };
    assert_eq!(attempts(10).await, 1);
    assert_eq!(attempts(11).await, 0);
}

pub(crate) async fn attempts_page_by_time_then_delivery_then_number(store: Arc<dyn Store>) {
    let a = endpoint("a", EventFilter::All);
    store.insert_endpoint(&a).await.unwrap();
    seed(&store, &["x", "y", "z"]).await;
    // Three attempts at one instant: only the delivery id orders them.
    let at = t0() + secs(20);
    let claims = store.claim_due(&claim_at(at, 3)).await.unwrap();
    assert_eq!(claims.len(), 3);
    for c in &claims {
        store
            .complete(&decision(c, at, 200, NextStep::Delivered, Effect::Success))
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let q = AttemptQuery {
            cursor,
            limit: 1,
            ..Default::default()
        };
        let rows = store
            .list_attempts(&AttemptQuery {
                limit: 2,
                ..q.clone()
            })
            .await
            .unwrap();
        let p = Page::from_rows(rows, 1, q.cursor.as_ref());
        seen.extend(p.data.iter().map(|a| a.delivery_id.as_str().to_owned()));
        match p.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    let mut expected: Vec<String> = claims
        .iter()
        .map(|c| c.delivery.id.as_str().to_owned())
        .collect();
    expected.sort();
    expected.reverse();
    assert_eq!(seen, expected);
}
