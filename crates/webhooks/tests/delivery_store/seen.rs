//! Ingest replay records: one first sighting per request, until it expires.

use std::sync::Arc;
use std::time::SystemTime;

use switchboard_webhooks::delivery::store::Store;

use crate::support::{secs, t0};

/// The source of the record the case leaves live until `t0 + 1 h`, checked after a reopen.
pub(crate) const SEEN_SOURCE: &str = "github";
/// That record's digest.
pub(crate) const SEEN_LAST: [u8; 32] = [9; 32];

pub(crate) async fn mark_seen_catches_replays_until_expiry(store: Arc<dyn Store>) {
    let (a, b) = ([1u8; 32], [2u8; 32]);
    let window = secs(600);
    let mark = |source: &'static str, digest: [u8; 32], at: SystemTime| {
        let store = store.clone();
        async move {
            store
                .mark_seen(source, &digest, at, at + window)
                .await
                .unwrap()
        }
    };
    assert!(mark("github", a, t0()).await, "first sighting");
    assert!(!mark("github", a, t0() + secs(1)).await, "a replay");
    assert!(mark("stripe", a, t0()).await, "per source");
    assert!(mark("github", b, t0()).await, "per digest");
    assert!(
        !mark("github", a, t0() + secs(599)).await,
        "still inside the window"
    );
    // At `expires_at` the record is gone; the new sighting starts a new window.
    assert!(mark("github", a, t0() + secs(600)).await, "expired");
    assert!(
        !mark("github", a, t0() + secs(601)).await,
        "the new window holds"
    );

    store.unmark_seen("github", &b).await.unwrap();
    store.unmark_seen("github", &[7; 32]).await.unwrap();
    assert!(mark("github", b, t0() + secs(2)).await, "forgotten");

    // Racing callers: exactly one wins.
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .mark_seen("race", &[3; 32], t0(), t0() + window)
                .await
                .unwrap()
        }));
    }
    let mut won = 0;
    for t in tasks {
        won += usize::from(t.await.unwrap());
    }
    assert_eq!(won, 1, "one first sighting among racing callers");

    // Many expired records are swept by later calls without changing any answer.
    for i in 0..40u8 {
        assert!(mark("bulk", [i; 32], t0()).await);
    }
    let later = t0() + secs(3600);
    for i in 0..40u8 {
        assert!(mark("bulk", [i; 32], later).await, "record {i} expired");
    }
    assert!(
        store
            .mark_seen(SEEN_SOURCE, &SEEN_LAST, t0(), t0() + secs(3600))
            .await
            .unwrap()
    );
}
