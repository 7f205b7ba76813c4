//! The integer keys of one insert's callers and labels (see [`super::schema`]), looked up or
//! added in the insert's transaction and remembered only for it: the write lock it holds is what
//! makes two writers sharing the file (two gateways, or the gateway and the CLI) agree on every
//! key, and a key is never cached past the transaction that read it, so the retention job may
//! delete a caller at any time.

use std::collections::HashMap;
use std::hash::Hash;

use rusqlite::{Connection, OptionalExtension as _, params};

use super::schema::{INSERT_LABEL, SELECT_LABEL, UPSERT_CALLER};
use crate::audit::row::RowRef;

/// A caller's names: token, user id, email, user name, role.
type CallerNames<'a> = [Option<&'a str>; 5];

/// The keys of a row's caller, tool, transport and outcome.
#[derive(Debug, Clone, Copy)]
pub(super) struct RowKeys {
    pub(super) caller: i64,
    pub(super) tool: i64,
    pub(super) transport: i64,
    pub(super) outcome: i64,
}

/// The keys met so far in one transaction.
pub(super) struct Keys<'c, 'r> {
    conn: &'c Connection,
    /// What each caller's `last_at_us` is raised to: the newest row of the insert.
    newest_at_us: i64,
    callers: Memo<CallerNames<'r>>,
    tools: Memo<&'r str>,
    transports: Memo<&'r str>,
    outcomes: Memo<&'r str>,
}

impl<'c, 'r> Keys<'c, 'r> {
    /// Keys for an insert on `conn` (inside its transaction) whose newest row is at
    /// `newest_at_us`.
    pub(super) fn new(conn: &'c Connection, newest_at_us: i64) -> Self {
        Keys {
            conn,
            newest_at_us,
            callers: Memo::default(),
            tools: Memo::default(),
            transports: Memo::default(),
            outcomes: Memo::default(),
        }
    }

    /// The keys of `row`, added to the tables when new.
    pub(super) fn of(&mut self, row: &RowRef<'r>) -> rusqlite::Result<RowKeys> {
        let conn = self.conn;
        let newest = self.newest_at_us;
        let names = [row.token, row.user_id, row.email, row.user_name, row.role];
        Ok(RowKeys {
            caller: self.callers.get(names, |n| caller_key(conn, n, newest))?,
            tool: self.tools.get(row.tool, |l| label_key(conn, l))?,
            transport: self.transports.get(row.transport, |l| label_key(conn, l))?,
            outcome: self.outcomes.get(row.outcome, |l| label_key(conn, l))?,
        })
    }
}

fn caller_key(conn: &Connection, names: CallerNames<'_>, newest: i64) -> rusqlite::Result<i64> {
    let [token, user_id, email, user_name, role] = names;
    conn.prepare_cached(UPSERT_CALLER)?.query_row(
        params![token, user_id, email, user_name, role, newest],
        |r| r.get(0),
    )
}

fn label_key(conn: &Connection, label: &str) -> rusqlite::Result<i64> {
    let known = conn
        .prepare_cached(SELECT_LABEL)?
        .query_row([label], |r| r.get(0))
        .optional()?;
    match known {
        Some(key) => Ok(key),
        None => conn
            .prepare_cached(INSERT_LABEL)?
            .query_row([label], |r| r.get(0)),
    }
}

/// Keys already looked up: the last one first (consecutive rows mostly share their caller and
/// tool, and comparing a few short texts is cheaper than hashing them), then a map.
struct Memo<K> {
    last: Option<(K, i64)>,
    seen: HashMap<K, i64>,
}

impl<K> Default for Memo<K> {
    fn default() -> Self {
        Memo {
            last: None,
            seen: HashMap::new(),
        }
    }
}

impl<K: Copy + Eq + Hash> Memo<K> {
    fn get(
        &mut self,
        key: K,
        look_up: impl FnOnce(K) -> rusqlite::Result<i64>,
    ) -> rusqlite::Result<i64> {
        if let Some((last, id)) = self.last
            && last == key
        {
            return Ok(id);
        }
        let id = match self.seen.get(&key) {
            Some(&id) => id,
            None => {
                let id = look_up(key)?;
                self.seen.insert(key, id);
                id
            }
        };
        self.last = Some((key, id));
        Ok(id)
    }
}
