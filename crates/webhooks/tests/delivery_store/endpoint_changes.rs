//! The endpoint part of the engine's decision, applied against the endpoint as found: the failure
//! clock, the guarded disable, 410, and racing attempts.

use std::sync::Arc;

use switchboard_webhooks::delivery::DeliveryQuery;
use switchboard_webhooks::delivery::store::Store;
use switchboard_webhooks::delivery::store::{Applied, NextStep};
use switchboard_webhooks::delivery::{DeliveryStatus, DisabledReason, EventFilter};

use crate::support::{
    Effect, attempt_once, claim_at, clock_of, decision, endpoint, message, secs, t0,
};

pub(crate) async fn failure_clock_starts_once_and_stops_on_success(store: Arc<dyn Store>) {
    let e = endpoint("e", EventFilter::All);
    store.insert_endpoint(&e).await.unwrap();
    let started = Applied {
        clock_started: true,
        ..Applied::default()
    };
    let stopped = Applied {
        clock_stopped: true,
        ..Applied::default()
    };
    assert_eq!(
        attempt_once(&store, &e, t0(), 500, Effect::Failure).await,
        started
    );
    assert_eq!(clock_of(&store, &e).await, Some(t0()));
    // A running clock keeps its start.
    let later = t0() + secs(60);
    let nothing = attempt_once(&store, &e, later, 500, Effect::Failure).await;
    assert_eq!(nothing, Applied::default());
    assert_eq!(clock_of(&store, &e).await, Some(t0()));
    assert_eq!(
        attempt_once(&store, &e, later, 200, Effect::Success).await,
        stopped
    );
    assert_eq!(clock_of(&store, &e).await, None);
    let again = attempt_once(&store, &e, later, 200, Effect::Success).await;
    assert_eq!(again, Applied::default());
    let got = store.get_endpoint(&e.id).await.unwrap().unwrap();
    assert!(got.enabled && got.disabled_reason.is_none());
}

pub(crate) async fn guarded_disable_applies_only_while_the_clock_reads_its_start(
    store: Arc<dyn Store>,
) {
    let e = endpoint("e", EventFilter::All);
    store.insert_endpoint(&e).await.unwrap();
    attempt_once(&store, &e, t0(), 500, Effect::Failure).await;
    let now = t0() + secs(6 * 24 * 3600);
    // Claimed when the clock read another time (a success and a new run since): no disable.
    let moved = Effect::FailingSince(t0() - secs(1));
    assert_eq!(
        attempt_once(&store, &e, now, 500, moved).await,
        Applied::default()
    );
    assert!(store.get_endpoint(&e.id).await.unwrap().unwrap().enabled);
    // The clock still reads what was claimed: disabled.
    let applied = attempt_once(&store, &e, now, 500, Effect::FailingSince(t0())).await;
    assert_eq!(
        applied,
        Applied {
            disabled: true,
            ..Applied::default()
        }
    );
    let got = store.get_endpoint(&e.id).await.unwrap().unwrap();
    assert!(!got.enabled);
    assert_eq!(got.disabled_reason, Some(DisabledReason::Failing));
    assert_eq!(got.updated_at, now);
    assert_eq!(got.failing_since, Some(t0()));

    // A stopped clock is a moved clock: the failure starts a new run instead.
    let f = endpoint("f", EventFilter::Only(vec!["f".into()]));
    store.insert_endpoint(&f).await.unwrap();
    let applied = attempt_once(&store, &f, now, 500, Effect::FailingSince(t0())).await;
    assert_eq!(
        applied,
        Applied {
            clock_started: true,
            ..Applied::default()
        }
    );
    assert!(store.get_endpoint(&f.id).await.unwrap().unwrap().enabled);
    assert_eq!(clock_of(&store, &f).await, Some(now));
}

pub(crate) async fn gone_disables_once_and_keeps_the_deliveries(store: Arc<dyn Store>) {
    let g = endpoint("gone", EventFilter::Only(vec!["g".into()]));
    store.insert_endpoint(&g).await.unwrap();
    for _ in 0..2 {
        store
            .insert_message(message("g", None), t0(), t0(), secs(1))
            .await
            .unwrap();
    }
    let claims = store.claim_due(&claim_at(t0(), 2)).await.unwrap();
    let retry = NextStep::Retry { at: t0() + secs(5) };
    let first = store
        .complete(&decision(&claims[0], t0(), 410, retry, Effect::Gone))
        .await
        .unwrap();
    assert_eq!(
        first,
        Applied {
            disabled: true,
            ..Applied::default()
        }
    );
    // The second 410 of the same endpoint finds it disabled already.
    let second = store
        .complete(&decision(&claims[1], t0(), 410, retry, Effect::Gone))
        .await
        .unwrap();
    assert_eq!(second, Applied::default());
    let got = store.get_endpoint(&g.id).await.unwrap().unwrap();
    assert_eq!(got.disabled_reason, Some(DisabledReason::Gone));
    assert_eq!(got.failing_since, None, "a 410 leaves the failure clock");
    let kept = store
        .list_deliveries(&DeliveryQuery {
            endpoint: Some(g.id.clone()),
            status: Some(DeliveryStatus::Pending),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(kept.len(), 2);
    // A manual disable is not overwritten by a later automatic one.
    let m = endpoint("manual", EventFilter::Only(vec!["m".into()]));
    store.insert_endpoint(&m).await.unwrap();
    store
        .insert_message(message("m", None), t0(), t0(), secs(1))
        .await
        .unwrap();
    let c = store.claim_due(&claim_at(t0(), 1)).await.unwrap().remove(0);
    store
        .set_endpoint_enabled(&m.id, false, Some(DisabledReason::Manual), t0())
        .await
        .unwrap();
    let late = store
        .complete(&decision(&c, t0(), 410, retry, Effect::Gone))
        .await
        .unwrap();
    assert!(!late.disabled);
    let got = store.get_endpoint(&m.id).await.unwrap().unwrap();
    assert_eq!(got.disabled_reason, Some(DisabledReason::Manual));
}

/// Concurrent attempts of one endpoint, however a store groups them: one starts its failure
/// clock, one stops it, one disables it.
pub(crate) async fn racing_changes_of_one_endpoint_take_effect_once(store: Arc<dyn Store>) {
    let e = endpoint("e", EventFilter::All);
    store.insert_endpoint(&e).await.unwrap();
    let race = async |status: u16, effect: Effect| {
        for _ in 0..24 {
            store
                .insert_message(message("x", None), t0(), t0(), secs(1))
                .await
                .unwrap();
        }
        let claims = store.claim_due(&claim_at(t0(), 100)).await.unwrap();
        assert_eq!(claims.len(), 24);
        let mut tasks = Vec::new();
        for c in claims {
            let store = store.clone();
            let d = decision(&c, t0(), status, NextStep::DeadLetter, effect);
            tasks.push(tokio::spawn(
                async move { store.complete(&d).await.unwrap() },
            ));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.push(t.await.unwrap());
        }
        all
    };
    let failed = race(500, Effect::Failure).await;
    assert_eq!(failed.iter().filter(|a| a.clock_started).count(), 1);
    assert_eq!(clock_of(&store, &e).await, Some(t0()));
    let succeeded = race(200, Effect::Success).await;
    assert_eq!(succeeded.iter().filter(|a| a.clock_stopped).count(), 1);
    assert_eq!(clock_of(&store, &e).await, None);
    let gone = race(410, Effect::Gone).await;
    assert_eq!(gone.iter().filter(|a| a.disabled).count(), 1);
    let got = store.get_endpoint(&e.id).await.unwrap().unwrap();
    assert_eq!(got.disabled_reason, Some(DisabledReason::Gone));
}
