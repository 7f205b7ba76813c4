//! In-order delivery: an ordered endpoint hands out only its oldest unfinished delivery.

use std::sync::Arc;
use std::time::SystemTime;

use switchboard_webhooks::delivery::store::{Claim, NextStep, Store};
use switchboard_webhooks::delivery::{EventFilter, MessageId};

use crate::support::{Effect, claim_at, decision, endpoint, message, secs, t0};

/// An ordered endpoint and an unordered one, both taking every type, and three messages
/// published a second apart. Returns the ordered endpoint's id and the messages in order.
async fn setup(
    store: &Arc<dyn Store>,
) -> (switchboard_webhooks::delivery::EndpointId, Vec<MessageId>) {
    let mut ordered = endpoint("ordered", EventFilter::All);
    ordered.ordered = true;
    store.insert_endpoint(&ordered).await.unwrap();
    store
        .insert_endpoint(&endpoint("free", EventFilter::All))
        .await
        .unwrap();
    let mut ids = Vec::new();
    for i in 0..3 {
        let at = t0() + secs(i);
        ids.push(
            store
                .insert_message(message("x", None), at, at, secs(1))
                .await
                .unwrap()
                .message_id,
        );
    }
    let stored = store.get_endpoint(&ordered.id).await.unwrap().unwrap();
    assert!(stored.ordered, "the setting is stored");
    (ordered.id, ids)
}

async fn claim(store: &Arc<dyn Store>, now: SystemTime) -> Vec<Claim> {
    store.claim_due(&claim_at(now, 100)).await.unwrap()
}

fn of<'a>(
    claims: &'a [Claim],
    endpoint: &switchboard_webhooks::delivery::EndpointId,
) -> Vec<&'a Claim> {
    claims
        .iter()
        .filter(|c| &c.endpoint.id == endpoint)
        .collect()
}

pub(crate) async fn an_ordered_endpoint_hands_out_one_delivery_at_a_time_in_order(
    store: Arc<dyn Store>,
) {
    let (ordered, ids) = setup(&store).await;
    let now = t0() + secs(10);
    let first = claim(&store, now).await;
    assert_eq!(
        first.len(),
        4,
        "three to the free endpoint, the head to the ordered one"
    );
    let head = of(&first, &ordered);
    assert_eq!(head.len(), 1);
    assert_eq!(head[0].message.id, ids[0]);
    assert!(
        claim(&store, now).await.is_empty(),
        "the head in flight holds the rest back"
    );
    store
        .complete(&decision(
            head[0],
            now,
            200,
            NextStep::Delivered,
            Effect::Success,
        ))
        .await
        .unwrap();
    let next = claim(&store, now).await;
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].message.id, ids[1]);
}

pub(crate) async fn a_failing_head_blocks_only_its_own_endpoint_until_it_ends(
    store: Arc<dyn Store>,
) {
    let (ordered, ids) = setup(&store).await;
    let now = t0() + secs(10);
    let first = claim(&store, now).await;
    let head = of(&first, &ordered)[0].clone();
    store
        .complete(&decision(
            &head,
            now,
            500,
            NextStep::Retry { at: now + secs(60) },
            Effect::Failure,
        ))
        .await
        .unwrap();
    assert!(
        claim(&store, now + secs(30)).await.is_empty(),
        "the retry of the head is not due and the later ones wait behind it"
    );
    // (The free endpoint's leases expire too at +60 s: only the ordered endpoint is looked at.)
    let retried = claim(&store, now + secs(60)).await;
    let retried = of(&retried, &ordered);
    assert_eq!(retried.len(), 1);
    assert_eq!(retried[0].message.id, ids[0]);
    // Dead-lettering the head lets the queue move on.
    store
        .complete(&decision(
            retried[0],
            now + secs(60),
            500,
            NextStep::DeadLetter,
            Effect::Failure,
        ))
        .await
        .unwrap();
    let next = claim(&store, now + secs(60)).await;
    let next = of(&next, &ordered);
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].message.id, ids[1]);
}
