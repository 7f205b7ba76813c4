//! Listing recorded calls: the filters as the admin API and the CLI receive them
//! ([`CallParams`], text), checked into a [`CallQuery`], paged newest first with the same
//! cursors and [`Page`] as the admin API's other lists (`switchboard::webhooks::delivery::page`).
//!
//! Rows are keyed by `(at_us, id)` ([`Listed`] for [`CallRow`]: the id zero-padded so that
//! bytes order it). An `iterator` walks to older rows, a `prev_iterator` to newer ones; each
//! page starts strictly beyond its cursor, so rows inserted meanwhile never shift a page (no row
//! is listed twice or skipped, ties of time included).

use std::time::{Duration, SystemTime};

use serde::Deserialize;
use switchboard::webhooks::delivery::{Cursor, Direction, Listed, Page, RowKey};

use super::row::CallRow;

/// Every outcome a row may have: `ok`, the registry's error kinds, the refusals, and `dropped`
/// (the caller went away before the call ended).
pub const OUTCOMES: &[&str] = &[
    "ok",
    "unknown_tool",
    "malformed_call",
    "invalid_arguments",
    "failed",
    "timeout",
    "cancelled",
    "busy",
    "output",
    "refused_policy",
    "refused_rate_limited",
    "refused_too_many_concurrent_calls",
    "dropped",
];

/// Rows per page when `limit` is not given.
const DEFAULT_LIMIT: usize = 100;
/// Most rows per page.
const MAX_LIMIT: usize = 1000;
/// Longest `caller` or `tool` filter.
const MAX_FILTER_LEN: usize = 256;

/// The filters as received (query string or command line), unchecked.
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CallParams {
    /// A token name, user id or user email.
    pub caller: Option<String>,
    /// A tool name.
    pub tool: Option<String>,
    /// One of [`OUTCOMES`].
    pub outcome: Option<String>,
    /// RFC 3339 time: calls at or after it.
    #[schemars(extend("format" = "date-time"))]
    pub since: Option<String>,
    /// RFC 3339 time: calls before it.
    #[schemars(extend("format" = "date-time"))]
    pub until: Option<String>,
    /// Rows per page, 1 to 1000 (default 100).
    #[schemars(with = "Option<u32>", range(min = 1, max = 1000))]
    pub limit: Option<String>,
    /// An `iterator` or `prev_iterator` of an earlier page.
    pub iterator: Option<String>,
}

/// A filter that could not be used: which parameter, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{parameter}: {message}")]
pub struct QueryError {
    /// The parameter's name (`since`, `limit`, …).
    pub parameter: &'static str,
    /// What was wrong with it.
    pub message: String,
}

/// Width of an id in a cursor: zero-padded so that ids compare by bytes as by value.
const ID_WIDTH: usize = 20;

impl Listed for CallRow {
    fn row_key(&self) -> RowKey {
        key(self.at_us, self.id)
    }
}

fn key(at_us: i64, id: i64) -> RowKey {
    RowKey {
        at: at_us,
        id: format!("{id:0ID_WIDTH$}"),
        number: 0,
    }
}

/// A cursor's position as the stores compare it: `(at_us, id)` of the row beside it.
pub(super) fn position(cursor: &Cursor) -> (i64, i64) {
    let key = cursor.key();
    // `CallQuery::parse` admits only cursors whose id reads back as a number.
    (key.at, key.id.parse().unwrap_or(0))
}

fn iterator(text: &str) -> Result<Cursor, QueryError> {
    let bad = |why: String| QueryError {
        parameter: "iterator",
        message: format!("not an iterator of this list ({why})"),
    };
    let cursor = Cursor::decode(text).map_err(|e| bad(e.to_string()))?;
    let key = cursor.key();
    let numeric = key.id.len() == ID_WIDTH && key.id.parse::<i64>().is_ok_and(|n| n >= 0);
    if !numeric || key.number != 0 || key.at < 0 {
        return Err(bad("not a tool-call position".to_owned()));
    }
    Ok(cursor)
}

/// Checked filters of one page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallQuery {
    /// Token name, user id or email, matched exactly.
    pub caller: Option<String>,
    /// Tool name, matched exactly.
    pub tool: Option<String>,
    /// One of [`OUTCOMES`].
    pub outcome: Option<String>,
    /// Microseconds since the epoch: rows at or after.
    pub since_us: Option<i64>,
    /// Microseconds since the epoch: rows before.
    pub until_us: Option<i64>,
    /// Rows per page.
    pub limit: usize,
    /// Where the page starts: rows strictly beyond it, in its direction.
    pub cursor: Option<Cursor>,
}

impl Default for CallQuery {
    fn default() -> Self {
        CallQuery {
            caller: None,
            tool: None,
            outcome: None,
            since_us: None,
            until_us: None,
            limit: DEFAULT_LIMIT,
            cursor: None,
        }
    }
}

impl CallQuery {
    /// Checks `params`.
    ///
    /// # Errors
    /// The first unusable parameter, named.
    pub fn parse(params: &CallParams) -> Result<CallQuery, QueryError> {
        let since_us = params
            .since
            .as_deref()
            .map(|t| rfc3339("since", t))
            .transpose()?;
        let until_us = params
            .until
            .as_deref()
            .map(|t| rfc3339("until", t))
            .transpose()?;
        if let (Some(since), Some(until)) = (since_us, until_us)
            && since >= until
        {
            return Err(QueryError {
                parameter: "until",
                message: "must be later than `since`".to_owned(),
            });
        }
        let outcome = match params.outcome.as_deref() {
            None => None,
            Some(o) if OUTCOMES.contains(&o) => Some(o.to_owned()),
            Some(o) => {
                return Err(QueryError {
                    parameter: "outcome",
                    message: format!("{o:?} is not one of {}", OUTCOMES.join(", ")),
                });
            }
        };
        let limit = match params.limit.as_deref() {
            None => DEFAULT_LIMIT,
            Some(text) => match text.parse::<usize>() {
                Ok(n @ 1..=MAX_LIMIT) => n,
                _ => {
                    return Err(QueryError {
                        parameter: "limit",
                        message: format!("{text:?} is not a number from 1 to {MAX_LIMIT}"),
                    });
                }
            },
        };
        Ok(CallQuery {
            caller: name("caller", params.caller.as_deref())?,
            tool: name("tool", params.tool.as_deref())?,
            outcome,
            since_us,
            until_us,
            limit,
            cursor: params.iterator.as_deref().map(iterator).transpose()?,
        })
    }

    /// The page of `rows` fetched with [`CallQuery::fetch_limit`] (one more than the page, to
    /// tell whether another follows), ordered walking away from the cursor.
    pub fn page(&self, rows: Vec<CallRow>) -> Page<CallRow> {
        Page::from_rows(rows, self.limit, self.cursor.as_ref())
    }

    /// Which way the page walks: toward older rows unless its cursor says newer.
    pub fn direction(&self) -> Direction {
        self.cursor
            .as_ref()
            .map_or(Direction::Older, Cursor::direction)
    }

    /// How many rows to ask the store for.
    pub fn fetch_limit(&self) -> i64 {
        i64::try_from(self.limit)
            .unwrap_or(i64::MAX)
            .saturating_add(1)
    }
}

fn name(parameter: &'static str, value: Option<&str>) -> Result<Option<String>, QueryError> {
    match value {
        None => Ok(None),
        Some(v) if !v.is_empty() && v.len() <= MAX_FILTER_LEN => Ok(Some(v.to_owned())),
        Some(_) => Err(QueryError {
            parameter,
            message: format!("must be 1 to {MAX_FILTER_LEN} bytes"),
        }),
    }
}

fn rfc3339(parameter: &'static str, text: &str) -> Result<i64, QueryError> {
    let parsed = chrono::DateTime::parse_from_rfc3339(text).map_err(|e| QueryError {
        parameter,
        message: format!("{text:?} is not an RFC 3339 time like 2026-01-31T12:00:00Z ({e})"),
    })?;
    let micros_since_epoch = parsed.timestamp_micros();
    if micros_since_epoch < 0 {
        return Err(QueryError {
            parameter,
            message: format!("{text:?} is before 1970"),
        });
    }
    Ok(micros_since_epoch)
}

/// `at_us` (microseconds since the epoch) as RFC 3339 in UTC, as listings show times.
pub fn format_time(at_us: i64) -> String {
    let t = SystemTime::UNIX_EPOCH + Duration::from_micros(u64::try_from(at_us).unwrap_or(0));
    chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_iterator_of_another_list_is_refused() {
        let message_key = RowKey {
            at: 5,
            id: "msg_2abc".into(),
            number: 0,
        };
        let text = Cursor::new(Direction::Older, message_key).encode();
        let params = CallParams {
            iterator: Some(text),
            ..CallParams::default()
        };
        assert_eq!(CallQuery::parse(&params).unwrap_err().parameter, "iterator");
    }

    #[test]
    fn ids_order_by_bytes_as_by_value() {
        assert!(key(7, 9) < key(7, 10));
        assert!(key(7, 10) < key(8, 1));
    }

    #[test]
    fn each_bad_filter_names_its_parameter() {
        for (params, parameter) in [
            (
                CallParams {
                    since: Some("yesterday".into()),
                    ..CallParams::default()
                },
                "since",
            ),
            (
                CallParams {
                    until: Some("2026-13-01T00:00:00Z".into()),
                    ..CallParams::default()
                },
                "until",
            ),
            (
                CallParams {
                    limit: Some("0".into()),
                    ..CallParams::default()
                },
                "limit",
            ),
            (
                CallParams {
                    limit: Some("1001".into()),
                    ..CallParams::default()
                },
                "limit",
            ),
            (
                CallParams {
                    outcome: Some("fine".into()),
                    ..CallParams::default()
                },
                "outcome",
            ),
            (
                CallParams {
                    iterator: Some("abc".into()),
                    ..CallParams::default()
                },
                "iterator",
            ),
            (
                CallParams {
                    caller: Some(String::new()),
                    ..CallParams::default()
                },
                "caller",
            ),
        ] {
            assert_eq!(CallQuery::parse(&params).unwrap_err().parameter, parameter);
        }
    }
}
