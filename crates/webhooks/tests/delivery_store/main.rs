//! The store conformance suite: every case runs against every store, each on a fresh one.
//!
//! [`conformance!`] turns each case into one test per store, named `memory::<case>`,
//! `sqlite::<case>` and `postgres::<case>`, so `cargo test <case>` runs one case on every store
//! and a failure in one case hides nothing else. Postgres cases run only when
//! `SWITCHBOARD_TEST_POSTGRES_URL` is set (each in its own schema, dropped afterwards); without
//! it they pass after saying they were skipped.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod backends;
mod channels;
mod concurrent;
mod endpoint_changes;
mod endpoint_updates;
mod endpoints;
mod journal;
mod ordered;
mod ordered_changes;
mod pages;
mod queue;
mod seen;
mod support;

/// One `#[tokio::test]` per case and store.
macro_rules! conformance {
    ($($module:ident :: $case:ident),* $(,)?) => {
        /// The cases against [`MemoryStore`](switchboard_webhooks::delivery::store::MemoryStore).
        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    crate::$module::$case(crate::fixtures::memory()).await;
                }
            )*
        }

        /// The cases against `SqliteStore`, each in its own database file.
        #[cfg(feature = "sqlite")]
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let dir = crate::fixtures::SqliteDir::new();
                    crate::$module::$case(std::sync::Arc::new(dir.open())).await;
                }
            )*
        }

        /// The cases against `PostgresStore`, each in its own schema.
        #[cfg(feature = "postgres")]
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let Some(store) = crate::fixtures::postgres(stringify!($case)).await else {
                        return;
                    };
                    crate::$module::$case(std::sync::Arc::new(store.clone())).await;
                    store.drop_schema().await.unwrap();
                }
            )*
        }
    };
}

conformance! {
    endpoints::endpoints_crud,
    endpoints::insert_message_fans_out_in_one_go,
    endpoints::insert_message_skips_the_excluded_endpoint,
    endpoints::operational_events_reach_only_endpoints_that_name_them,
    endpoints::idempotency_key_dedupes_within_window,
    endpoints::disabled_endpoint_keeps_pending,
    channels::channels_reach_only_endpoints_sharing_one,
    channels::channels_apply_to_messages_with_an_idempotency_key,
    channels::channels_apply_to_messages_stored_together,
    channels::replay_applies_the_channel_rule,
    channels::messages_list_by_channel,
    endpoint_updates::update_round_trips_every_setting,
    endpoint_updates::update_keeps_id_keys_state_and_history,
    queue::claims_are_exclusive,
    queue::expired_leases_are_reclaimed,
    queue::attempts_are_recorded_and_scheduled,
    queue::release_returns_without_an_attempt,
    queue::dead_letter_and_recover,
    queue::queue_depth_counts_by_state,
    endpoint_changes::failure_clock_starts_once_and_stops_on_success,
    endpoint_changes::guarded_disable_applies_only_while_the_clock_reads_its_start,
    endpoint_changes::gone_disables_once_and_keeps_the_deliveries,
    endpoint_changes::racing_changes_of_one_endpoint_take_effect_once,
    journal::queries_filter_by_endpoint_message_status,
    journal::replay_creates_deliveries_once,
    journal::prune_keeps_pending_work,
    ordered::an_ordered_endpoint_hands_out_one_delivery_at_a_time_in_order,
    ordered::a_failing_head_blocks_only_its_own_endpoint_until_it_ends,
    ordered_changes::switching_ordering_on_holds_the_queue_behind_its_oldest_delivery,
    ordered_changes::switching_ordering_off_releases_the_queue_held_behind_its_head,
    ordered_changes::recovered_and_replayed_deliveries_follow_the_current_ordering,
    pages::cursors_walk_messages_older_then_newer_without_gaps,
    pages::a_cursor_is_stable_while_newer_rows_arrive,
    pages::a_prefix_pattern_lists_every_type_below_it,
    pages::an_endpoint_filter_wildcard_receives_every_type_below_it,
    pages::time_ranges_and_status_narrow_every_list,
    pages::attempts_page_by_time_then_delivery_then_number,
    seen::mark_seen_catches_replays_until_expiry,
    concurrent::concurrent_enqueues_and_completions_keep_their_own_results,
}

/// Fresh stores for the cases.
mod fixtures {
    use std::sync::Arc;

    use switchboard_webhooks::delivery::store::{MemoryStore, Store};

    pub(crate) fn memory() -> Arc<dyn Store> {
        Arc::new(MemoryStore::new())
    }

    /// A directory for one case's SQLite files, removed when dropped (a failed case too).
    #[cfg(feature = "sqlite")]
    pub(crate) struct SqliteDir(std::path::PathBuf);

    #[cfg(feature = "sqlite")]
    impl SqliteDir {
        pub(crate) fn new() -> Self {
            let dir = std::env::temp_dir().join(format!(
                "sb-delivery-conformance-{}-{}",
                std::process::id(),
                switchboard_webhooks::delivery::MessageId::generate()
            ));
            std::fs::create_dir_all(&dir).unwrap();
            Self(dir)
        }

        /// Opens (creating it the first time) the store in `store.db`.
        pub(crate) fn open(&self) -> switchboard_webhooks::delivery::store::SqliteStore {
            use switchboard_webhooks::delivery::store::{SqliteOptions, SqliteStore};
            SqliteStore::open(self.0.join("store.db"), SqliteOptions::default()).unwrap()
        }
    }

    #[cfg(feature = "sqlite")]
    impl Drop for SqliteDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// A store in a new schema of the test database, or `None` (said on stderr) when
    /// `SWITCHBOARD_TEST_POSTGRES_URL` is not set.
    #[cfg(feature = "postgres")]
    pub(crate) async fn postgres(
        case: &str,
    ) -> Option<switchboard_webhooks::delivery::store::PostgresStore> {
        use switchboard_webhooks::delivery::store::{PostgresOptions, PostgresStore};
        let Ok(url) = std::env::var("SWITCHBOARD_TEST_POSTGRES_URL") else {
            eprintln!("skipping postgres::{case}: SWITCHBOARD_TEST_POSTGRES_URL is not set");
            return None;
        };
        let options = PostgresOptions {
            schema: Some(schema_name("sbtest")),
            max_connections: 8,
        };
        Some(PostgresStore::connect(&url, options).await.unwrap())
    }

    /// A schema name no other run uses: `prefix`, the process id and randomness.
    #[cfg(feature = "postgres")]
    pub(crate) fn schema_name(prefix: &str) -> String {
        let random = switchboard_webhooks::delivery::MessageId::generate();
        format!("{prefix}_{}_{}", std::process::id(), &random.as_str()[4..])
    }
}
