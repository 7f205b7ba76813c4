//! Changing an endpoint's `ordered` setting: the deliveries already queued follow it from the
//! next claim on, and so do deliveries that become unfinished again (recovered) or are created
//! again (replayed).

use std::sync::Arc;
use std::time::SystemTime;

use switchboard_webhooks::delivery::store::{Claim, NextStep, Store};
use switchboard_webhooks::delivery::{Endpoint, EventFilter, MessageId};

use crate::support::{Effect, claim_at, decision, endpoint, message, secs, t0};

/// `endpoint` stored, and `n` messages published a second apart from `t0`, each due when
/// published. Returns the messages in order.
async fn queued(store: &Arc<dyn Store>, endpoint: &Endpoint, n: u64) -> Vec<MessageId> {
    store.insert_endpoint(endpoint).await.unwrap();
    let mut ids = Vec::new();
    for i in 0..n {
        let at = t0() + secs(i);
        ids.push(
            store
                .insert_message(message("x", None), at, at, secs(1))
                .await
                .unwrap()
                .message_id,
        );
    }
    ids
}

/// Sets the stored endpoint's `ordered` setting through `update_endpoint`.
async fn set_ordered(store: &Arc<dyn Store>, endpoint: &Endpoint, ordered: bool) {
    let mut changed = store.get_endpoint(&endpoint.id).await.unwrap().unwrap();
    changed.ordered = ordered;
    store.update_endpoint(&changed).await.unwrap();
    let stored = store.get_endpoint(&endpoint.id).await.unwrap().unwrap();
    assert_eq!(stored.ordered, ordered, "the setting is stored");
}

/// The messages of what a claim at `now` (up to 100) hands out.
async fn claimed(store: &Arc<dyn Store>, now: SystemTime) -> Vec<Claim> {
    store.claim_due(&claim_at(now, 100)).await.unwrap()
}

fn messages(claims: &[Claim]) -> Vec<MessageId> {
    claims.iter().map(|c| c.message.id.clone()).collect()
}

async fn finish(store: &Arc<dyn Store>, claim: &Claim, now: SystemTime, next: NextStep) {
    let (status, effect) = match next {
        NextStep::Delivered => (200, Effect::Success),
        _ => (500, Effect::Failure),
    };
    store
        .complete(&decision(claim, now, status, next, effect))
        .await
        .unwrap();
}

pub(crate) async fn switching_ordering_on_holds_the_queue_behind_its_oldest_delivery(
    store: Arc<dyn Store>,
) {
    let e = endpoint("switched-on", EventFilter::All);
    let ids = queued(&store, &e, 3).await;
    let now = t0() + secs(10);
    // Concurrent: the oldest is claimed alone (limit 1) and is in flight at the change.
    let head = store.claim_due(&claim_at(now, 1)).await.unwrap();
    assert_eq!(messages(&head), vec![ids[0].clone()]);
    set_ordered(&store, &e, true).await;
    assert!(
        claimed(&store, now).await.is_empty(),
        "the delivery in flight at the change holds back the two queued behind it"
    );
    finish(
        &store,
        &head[0],
        now,
        NextStep::Retry { at: now + secs(60) },
    )
    .await;
    assert!(
        claimed(&store, now + secs(30)).await.is_empty(),
        "its retry is not due, and the later ones wait behind it"
    );
    let retried = claimed(&store, now + secs(60)).await;
    assert_eq!(messages(&retried), vec![ids[0].clone()]);
    finish(&store, &retried[0], now + secs(60), NextStep::Delivered).await;
    let next = claimed(&store, now + secs(60)).await;
    assert_eq!(messages(&next), vec![ids[1].clone()], "then one at a time");
}

pub(crate) async fn switching_ordering_off_releases_the_queue_held_behind_its_head(
    store: Arc<dyn Store>,
) {
    let mut e = endpoint("switched-off", EventFilter::All);
    e.ordered = true;
    let ids = queued(&store, &e, 3).await;
    let now = t0() + secs(10);
    let head = claimed(&store, now).await;
    assert_eq!(messages(&head), vec![ids[0].clone()]);
    finish(
        &store,
        &head[0],
        now,
        NextStep::Retry { at: now + secs(60) },
    )
    .await;
    assert!(
        claimed(&store, now).await.is_empty(),
        "a failing head holds the queue"
    );
    set_ordered(&store, &e, false).await;
    let released = claimed(&store, now).await;
    assert_eq!(
        messages(&released),
        vec![ids[1].clone(), ids[2].clone()],
        "the deliveries behind the head go out at once, without waiting for its retry"
    );
}

pub(crate) async fn recovered_and_replayed_deliveries_follow_the_current_ordering(
    store: Arc<dyn Store>,
) {
    let e = endpoint("recovered", EventFilter::All);
    let ids = queued(&store, &e, 1).await;
    let now = t0() + secs(10);
    let first = claimed(&store, now).await;
    finish(&store, &first[0], now, NextStep::DeadLetter).await;
    // Dead-lettered while the endpoint was concurrent; a later message is queued once it is
    // ordered.
    set_ordered(&store, &e, true).await;
    let later = now + secs(5);
    let later_id = store
        .insert_message(message("x", None), later, later, secs(1))
        .await
        .unwrap()
        .message_id;
    assert_eq!(store.recover(&e.id, now, later).await.unwrap(), 1);
    let head = claimed(&store, later).await;
    assert_eq!(
        messages(&head),
        vec![ids[0].clone()],
        "the recovered delivery is the oldest unfinished one: it goes first, alone"
    );
    // A replay is a new delivery, published now: it waits behind the queued message.
    let replayed = store.replay(&ids[0], Some(&e.id), later).await.unwrap();
    assert_eq!(replayed.len(), 0, "the recovered delivery is still open");
    finish(&store, &head[0], later, NextStep::Delivered).await;
    let replay_at = later + secs(1);
    let replayed = store.replay(&ids[0], Some(&e.id), replay_at).await.unwrap();
    assert_eq!(replayed.len(), 1);
    let next = claimed(&store, replay_at).await;
    assert_eq!(
        messages(&next),
        vec![later_id.clone()],
        "the replay, published last, waits behind the message queued before it"
    );
    finish(&store, &next[0], replay_at, NextStep::Delivered).await;
    let last = claimed(&store, replay_at).await;
    assert_eq!(messages(&last), vec![ids[0].clone()]);
}
