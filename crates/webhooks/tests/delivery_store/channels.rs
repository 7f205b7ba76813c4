//! Channels: which endpoints a message on channels fans out to, on every insert path and on
//! replay, and listing messages by channel.

use std::sync::Arc;

use switchboard_webhooks::delivery::store::{NewMessage, NextStep, Store};
use switchboard_webhooks::delivery::{
    DeliveryQuery, Endpoint, EndpointId, EventFilter, MessageId, MessageQuery,
};

use crate::support::{Effect, claim_at, decision, endpoint, message, secs, t0};

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn on(event_type: &str, channels: &[&str], key: Option<&str>) -> NewMessage {
    NewMessage {
        channels: strings(channels),
        ..message(event_type, key)
    }
}

/// Four endpoints: no channel filter, `a`, `b` or `c`, and `a` for type `x` only.
async fn subscribers(store: &Arc<dyn Store>) -> [Endpoint; 4] {
    let any = endpoint("any", EventFilter::All);
    let mut a = endpoint("a", EventFilter::All);
    a.channels = strings(&["a"]);
    let mut bc = endpoint("bc", EventFilter::All);
    bc.channels = strings(&["b", "c"]);
    let mut a_x = endpoint("a-x", EventFilter::Only(vec!["x".into()]));
    a_x.channels = strings(&["a"]);
    for e in [&any, &a, &bc, &a_x] {
        store.insert_endpoint(e).await.unwrap();
    }
    [any, a, bc, a_x]
}

async fn targets(store: &Arc<dyn Store>, message: &MessageId) -> Vec<EndpointId> {
    let ds = store
        .list_deliveries(&DeliveryQuery {
            message: Some(message.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    sorted(ds.into_iter().map(|d| d.endpoint_id).collect())
}

fn sorted(mut ids: Vec<EndpointId>) -> Vec<EndpointId> {
    ids.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    ids
}

/// The endpoints each case must reach, checked against what `store` stored for each message.
async fn check(store: &Arc<dyn Store>, eps: &[Endpoint; 4], ids: &[MessageId]) {
    let [any, a, bc, a_x] = eps;
    let want = [
        // No channels: only the endpoint without a channel filter.
        vec![any.id.clone()],
        // `a`: the filter-less one and `a` (not `a-x`, whose type filter refuses `t`).
        vec![any.id.clone(), a.id.clone()],
        // `c` and `z`: `bc` shares `c`.
        vec![any.id.clone(), bc.id.clone()],
        // Type `x` on `a`: all three that take `a` or every channel.
        vec![any.id.clone(), a.id.clone(), a_x.id.clone()],
    ];
    for (id, want) in ids.iter().zip(want) {
        assert_eq!(targets(store, id).await, sorted(want), "message {id}");
    }
}

fn cases(key: Option<&str>) -> Vec<NewMessage> {
    let k = |n: &str| key.map(|k| format!("{k}-{n}"));
    vec![
        on("t", &[], k("1").as_deref()),
        on("t", &["a"], k("2").as_deref()),
        on("t", &["c", "z"], k("3").as_deref()),
        on("x", &["a"], k("4").as_deref()),
    ]
}

pub(crate) async fn channels_reach_only_endpoints_sharing_one(store: Arc<dyn Store>) {
    let eps = subscribers(&store).await;
    let mut ids = Vec::new();
    for m in cases(None) {
        ids.push(m.id.clone());
        store.insert_message(m, t0(), t0(), secs(60)).await.unwrap();
    }
    check(&store, &eps, &ids).await;
}

pub(crate) async fn channels_apply_to_messages_with_an_idempotency_key(store: Arc<dyn Store>) {
    let eps = subscribers(&store).await;
    let mut ids = Vec::new();
    for m in cases(Some("key")) {
        ids.push(m.id.clone());
        store.insert_message(m, t0(), t0(), secs(60)).await.unwrap();
    }
    check(&store, &eps, &ids).await;
}

pub(crate) async fn channels_apply_to_messages_stored_together(store: Arc<dyn Store>) {
    let eps = subscribers(&store).await;
    let batch = cases(None);
    let ids: Vec<MessageId> = batch.iter().map(|m| m.id.clone()).collect();
    // Spawned at once, so a store that batches concurrent inserts (Postgres) takes them in one.
    let inserts: Vec<_> = batch
        .into_iter()
        .map(|m| {
            let store = store.clone();
            tokio::spawn(async move { store.insert_message(m, t0(), t0(), secs(60)).await })
        })
        .collect();
    for done in inserts {
        done.await.unwrap().unwrap();
    }
    check(&store, &eps, &ids).await;
}

pub(crate) async fn replay_applies_the_channel_rule(store: Arc<dyn Store>) {
    let [any, a, _, _] = subscribers(&store).await;
    let m = on("t", &["a"], None);
    let id = m.id.clone();
    store.insert_message(m, t0(), t0(), secs(60)).await.unwrap();
    for c in store.claim_due(&claim_at(t0(), 10)).await.unwrap() {
        let d = decision(&c, t0(), 200, NextStep::Delivered, Effect::Success);
        store.complete(&d).await.unwrap();
    }
    let replayed = store.replay(&id, None, t0() + secs(1)).await.unwrap();
    assert_eq!(replayed.len(), 2);
    let claims = store
        .claim_due(&claim_at(t0() + secs(1), 10))
        .await
        .unwrap();
    let got = sorted(claims.iter().map(|c| c.endpoint.id.clone()).collect());
    assert_eq!(got, sorted(vec![any.id, a.id]));
    assert!(claims.iter().all(|c| c.message.channels == ["a"]));
}

pub(crate) async fn messages_list_by_channel(store: Arc<dyn Store>) {
    let mut ids = Vec::new();
    for (i, channels) in [&["a"][..], &["b", "a"], &[], &["ab"]].iter().enumerate() {
        let m = on("t", channels, None);
        ids.push(m.id.clone());
        let at = t0() + secs(i as u64);
        store.insert_message(m, at, at, secs(60)).await.unwrap();
    }
    let listed = |channel: &str| {
        let store = store.clone();
        let query = MessageQuery {
            channel: Some(channel.to_owned()),
            ..MessageQuery::default()
        };
        async move {
            let rows = store.list_messages(&query).await.unwrap();
            rows.into_iter().map(|m| m.id).collect::<Vec<_>>()
        }
    };
    assert_eq!(listed("a").await, vec![ids[1].clone(), ids[0].clone()]);
    assert_eq!(listed("ab").await, vec![ids[3].clone()]);
    assert!(listed("b_").await.is_empty());
    let stored = store.get_message(&ids[1]).await.unwrap().unwrap();
    assert_eq!(stored.channels, ["b", "a"]);
    assert!(
        store
            .get_message(&ids[2])
            .await
            .unwrap()
            .unwrap()
            .channels
            .is_empty()
    );
}
