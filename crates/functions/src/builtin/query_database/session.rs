//! Every call leaves its pooled connection clean, or closes it.
//!
//! A statement can leave state on its session that outlives the transaction: session-level
//! advisory locks (`pg_advisory_lock`), MySQL named locks (`GET_LOCK`), settings, listeners. The
//! pre-check refuses the functions that do this, but the session is reset anyway, so that one guard
//! failing cannot hand a lock or a setting to the next call. A connection whose reset did not
//! succeed is closed instead of returned, which makes the server drop whatever it held.

use std::ops::{Deref, DerefMut};

use sqlx::Database;
use sqlx::pool::PoolConnection;

/// A pooled connection that goes back to the pool only after [`Lease::mark_clean`].
///
/// Dropped in any other state (an error, a truncated result still streaming, the outer deadline
/// cancelling the call, a panic), it is closed.
pub(super) struct Lease<DB: Database> {
    conn: PoolConnection<DB>,
    clean: bool,
}

impl<DB: Database> Lease<DB> {
    pub(super) fn new(conn: PoolConnection<DB>) -> Self {
        Self { conn, clean: false }
    }

    /// The session was reset: the connection may serve the next call.
    pub(super) fn mark_clean(&mut self) {
        self.clean = true;
    }
}

impl<DB: Database> Deref for Lease<DB> {
    type Target = PoolConnection<DB>;

    fn deref(&self) -> &Self::Target {
        &self.conn
    }
}

impl<DB: Database> DerefMut for Lease<DB> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.conn
    }
}

impl<DB: Database> Drop for Lease<DB> {
    fn drop(&mut self) {
        if !self.clean {
            self.conn.close_on_drop();
        }
    }
}
