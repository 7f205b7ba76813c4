//! The journal's list queries, built once for both SQL stores: filters, event-type patterns,
//! time ranges and keyset cursors.
//!
//! Each function returns the statement with `?` placeholders numbered for the store's dialect
//! and the arguments in order; the store only binds them and maps rows. Rows come ordered
//! walking away from the query's cursor, as [`JournalStore`](crate::delivery::store::JournalStore)
//! requires: newest first, or oldest first for a [`Direction::Newer`] cursor.

use crate::delivery::model::to_millis;
use crate::delivery::page::{Cursor, Direction};
use crate::delivery::pattern::EventTypePattern;
use crate::delivery::query::{AttemptQuery, DeliveryQuery, MessageQuery};

use super::{ATTEMPT_COLUMNS, DELIVERY_COLUMNS, MESSAGE_COLUMNS};

/// Which store the placeholders and collations are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// `?1`, `?2`…; text compares byte by byte already.
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    Sqlite,
    /// `$1`, `$2`…; ids compare under `COLLATE "C"` (bytes), whatever the database's collation.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    Postgres,
}

/// A positional argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Arg {
    Text(String),
    Int(i64),
}

/// A built statement and its arguments.
#[derive(Debug)]
pub(crate) struct ListSql {
    pub(crate) sql: String,
    pub(crate) args: Vec<Arg>,
}

/// The columns a list sorts by: time, id, and for attempts the number.
struct SortKey {
    at: &'static str,
    id: &'static str,
    number: Option<&'static str>,
}

/// Messages and deliveries: by creation time, then id.
const BY_CREATION: SortKey = SortKey {
    at: "created_at",
    id: "id",
    number: None,
};

/// Attempts: by time, then delivery id, then attempt number.
const BY_ATTEMPT: SortKey = SortKey {
    at: "at",
    id: "delivery_id",
    number: Some("number"),
};

/// The part of every query that bounds and pages it.
struct Window<'a> {
    since: Option<std::time::SystemTime>,
    until: Option<std::time::SystemTime>,
    cursor: Option<&'a Cursor>,
    limit: usize,
}

struct Builder {
    dialect: Dialect,
    clauses: Vec<String>,
    args: Vec<Arg>,
}

impl Builder {
    fn new(dialect: Dialect) -> Self {
        Self {
            dialect,
            clauses: Vec::new(),
            args: Vec::new(),
        }
    }

    /// Adds a clause whose `?`s take `args`, in order.
    fn add(&mut self, clause: &str, args: impl IntoIterator<Item = Arg>) {
        let mut out = String::with_capacity(clause.len() + 8);
        let mut args = args.into_iter();
        for ch in clause.chars() {
            if ch == '?' {
                let Some(a) = args.next() else {
                    unreachable!("clause {clause:?} has more placeholders than arguments")
                };
                self.args.push(a);
                out.push_str(&self.placeholder(self.args.len()));
            } else {
                out.push(ch);
            }
        }
        self.clauses.push(out);
    }

    fn placeholder(&self, n: usize) -> String {
        match self.dialect {
            Dialect::Sqlite => format!("?{n}"),
            Dialect::Postgres => format!("${n}"),
        }
    }

    /// An id column as it is compared and ordered.
    fn text_col(&self, col: &str) -> String {
        match self.dialect {
            Dialect::Sqlite => col.to_owned(),
            Dialect::Postgres => format!("{col} COLLATE \"C\""),
        }
    }

    /// Rows strictly beyond the cursor, as the expanded form of a row comparison (which both
    /// dialects index well).
    fn cursor(&mut self, key: &SortKey, cursor: Option<&Cursor>) {
        let Some(c) = cursor else { return };
        let op = match c.direction() {
            Direction::Older => "<",
            Direction::Newer => ">",
        };
        let k = c.key();
        let id = self.text_col(key.id);
        let (clause, args) = match key.number {
            None => (
                format!("({at} {op} ? OR ({at} = ? AND {id} {op} ?))", at = key.at),
                vec![Arg::Int(k.at), Arg::Int(k.at), Arg::Text(k.id.clone())],
            ),
            Some(n) => (
                format!(
                    "({at} {op} ? OR ({at} = ? AND ({id} {op} ? OR ({id} = ? AND {n} {op} ?))))",
                    at = key.at
                ),
                vec![
                    Arg::Int(k.at),
                    Arg::Int(k.at),
                    Arg::Text(k.id.clone()),
                    Arg::Text(k.id.clone()),
                    Arg::Int(i64::from(k.number)),
                ],
            ),
        };
        self.add(&clause, args);
    }

    /// Adds the time range and the cursor, orders and limits.
    fn finish(mut self, select: &str, key: &SortKey, w: Window<'_>) -> ListSql {
        let Window {
            since,
            until,
            cursor,
            limit,
        } = w;
        if let Some(s) = since {
            self.add(&format!("{} >= ?", key.at), [Arg::Int(to_millis(s))]);
        }
        if let Some(u) = until {
            self.add(&format!("{} < ?", key.at), [Arg::Int(to_millis(u))]);
        }
        self.cursor(key, cursor);
        let dir = match cursor.map(Cursor::direction) {
            Some(Direction::Newer) => "ASC",
            _ => "DESC",
        };
        let mut order = format!("{} {dir}, {} {dir}", key.at, self.text_col(key.id));
        if let Some(n) = key.number {
            order.push_str(&format!(", {n} {dir}"));
        }
        self.args
            .push(Arg::Int(i64::try_from(limit).unwrap_or(i64::MAX)));
        let filter = if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        };
        ListSql {
            sql: format!(
                "{select}{filter} ORDER BY {order} LIMIT {}",
                self.placeholder(self.args.len())
            ),
            args: self.args,
        }
    }
}

/// `event_type` against a pattern: equality, or a prefix compared as a substring so that
/// `_` and `%` in types need no escaping and case matters in both dialects.
fn event_type(b: &mut Builder, pattern: &str) {
    match EventTypePattern::parse(pattern) {
        EventTypePattern::Any => {}
        EventTypePattern::Exact(t) => b.add("event_type = ?", [Arg::Text(t.to_owned())]),
        EventTypePattern::Prefix(stem) => {
            // The length is ours, written as a literal: Postgres has no `substr(text, int, bigint)`.
            let n = stem.chars().count();
            b.add(
                &format!("substr(event_type, 1, {n}) = ? AND length(event_type) > {n}"),
                [Arg::Text(stem.to_owned())],
            );
        }
    }
}

/// `SELECT … FROM messages` for `q`, fetching `limit` rows.
pub(crate) fn messages(q: &MessageQuery, limit: usize, dialect: Dialect) -> ListSql {
    let mut b = Builder::new(dialect);
    if q.endpoint.is_some() || q.status.is_some() {
        let mut clause =
            String::from("EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = messages.id");
        let mut args = Vec::new();
        if let Some(e) = &q.endpoint {
            clause.push_str(" AND d.endpoint_id = ?");
            args.push(Arg::Text(e.as_str().to_owned()));
        }
        if let Some(s) = q.status {
            clause.push_str(" AND d.status = ?");
            args.push(Arg::Text(s.as_str().to_owned()));
        }
        clause.push(')');
        b.add(&clause, args);
    }
    if let Some(t) = &q.event_type {
        event_type(&mut b, t);
    }
    if let Some(c) = &q.channel {
        // The column is a JSON array of channels, or NULL for none.
        let clause = match dialect {
            Dialect::Sqlite => {
                "EXISTS (SELECT 1 FROM json_each(messages.channels) WHERE json_each.value = ?)"
            }
            Dialect::Postgres => "jsonb_exists(messages.channels::jsonb, ?)",
        };
        b.add(clause, [Arg::Text(c.clone())]);
    }
    b.finish(
        &format!("SELECT {MESSAGE_COLUMNS} FROM messages"),
        &BY_CREATION,
        Window {
            since: q.since,
            until: q.until,
            cursor: q.cursor.as_ref(),
            limit,
        },
    )
}

/// `SELECT … FROM deliveries` for `q`, fetching `limit` rows.
pub(crate) fn deliveries(q: &DeliveryQuery, limit: usize, dialect: Dialect) -> ListSql {
    let mut b = Builder::new(dialect);
    if let Some(e) = &q.endpoint {
        b.add("endpoint_id = ?", [Arg::Text(e.as_str().to_owned())]);
    }
    if let Some(m) = &q.message {
        b.add("message_id = ?", [Arg::Text(m.as_str().to_owned())]);
    }
    if let Some(s) = q.status {
        // A literal (one of a fixed set), so the partial index of that status is used.
        b.clauses.push(format!("status = '{}'", s.as_str()));
    }
    b.finish(
        &format!("SELECT {DELIVERY_COLUMNS} FROM deliveries"),
        &BY_CREATION,
        Window {
            since: q.since,
            until: q.until,
            cursor: q.cursor.as_ref(),
            limit,
        },
    )
}

/// `SELECT … FROM attempts` for `q`, fetching `limit` rows.
pub(crate) fn attempts(q: &AttemptQuery, limit: usize, dialect: Dialect) -> ListSql {
    let mut b = Builder::new(dialect);
    if let Some(e) = &q.endpoint {
        b.add("endpoint_id = ?", [Arg::Text(e.as_str().to_owned())]);
    }
    if let Some(m) = &q.message {
        b.add("message_id = ?", [Arg::Text(m.as_str().to_owned())]);
    }
    if let Some(d) = &q.delivery {
        b.add("delivery_id = ?", [Arg::Text(d.as_str().to_owned())]);
    }
    b.finish(
        &format!("SELECT {ATTEMPT_COLUMNS} FROM attempts"),
        &BY_ATTEMPT,
        Window {
            since: q.since,
            until: q.until,
            cursor: q.cursor.as_ref(),
            limit,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::page::RowKey;

    #[test]
    fn a_prefix_pattern_becomes_a_substring_comparison() {
        let q = MessageQuery {
            event_type: Some("github.*".into()),
            ..MessageQuery::default()
        };
        let l = messages(&q, 10, Dialect::Sqlite);
        assert!(
            l.sql
                .contains("substr(event_type, 1, 7) = ?1 AND length(event_type) > 7"),
            "{}",
            l.sql
        );
        assert_eq!(l.args, vec![Arg::Text("github.".into()), Arg::Int(10)]);
    }

    #[test]
    fn a_newer_cursor_reads_upward_with_byte_ordered_ids_on_postgres() {
        let q = AttemptQuery {
            cursor: Some(Cursor::new(
                Direction::Newer,
                RowKey {
                    at: 5,
                    id: "dlv_x".into(),
                    number: 2,
                },
            )),
            ..AttemptQuery::default()
        };
        let l = attempts(&q, 3, Dialect::Postgres);
        assert!(l.sql.contains("(at > $1 OR (at = $2 AND (delivery_id COLLATE \"C\" > $3 OR (delivery_id COLLATE \"C\" = $4 AND number > $5))))"), "{}", l.sql);
        assert!(
            l.sql
                .ends_with("ORDER BY at ASC, delivery_id COLLATE \"C\" ASC, number ASC LIMIT $6"),
            "{}",
            l.sql
        );
    }
}
