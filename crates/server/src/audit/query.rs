//! Listing recorded calls: the filters as the admin API and the CLI receive them
//! ([`CallParams`], text), checked into a [`CallQuery`], and the keyset [`Cursor`] of the
//! pages, newest first.
//!
//! A page is ordered by `(at, id)` descending and the cursor is the last row's `(at, id)`: the
//! next page starts strictly after it, so rows inserted meanwhile never shift a page (no row is
//! listed twice or skipped among those that existed when the first page was read).

use std::time::{Duration, SystemTime};

use serde::Deserialize;

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
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
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

/// Where a page ends: the last row's time and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// Microseconds since the Unix epoch.
    pub at_us: i64,
    /// The row id.
    pub id: i64,
}

impl Cursor {
    /// The cursor after `row`.
    pub fn after(row: &CallRow) -> Cursor {
        Cursor {
            at_us: row.at_us,
            id: row.id,
        }
    }

    /// As handed out: 32 hex digits, opaque to clients.
    pub fn encode(&self) -> String {
        format!("{:016x}{:016x}", self.at_us, self.id)
    }

    /// Reads what [`Cursor::encode`] wrote.
    ///
    /// # Errors
    /// The text is not a cursor this gateway handed out.
    pub fn decode(text: &str) -> Result<Cursor, QueryError> {
        let bad = || QueryError {
            parameter: "cursor",
            message: "not a cursor from a previous page's `next_cursor`".to_owned(),
        };
        if text.len() != 32 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let half = |range: std::ops::Range<usize>| {
            u64::from_str_radix(&text[range], 16)
                .ok()
                .and_then(|n| i64::try_from(n).ok())
                .ok_or_else(bad)
        };
        Ok(Cursor {
            at_us: half(0..16)?,
            id: half(16..32)?,
        })
    }
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
    /// Rows strictly after this one (in listing order).
    pub after: Option<Cursor>,
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
            after: None,
        }
    }
}

/// One page of rows, newest first, and the cursor of the next when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The rows.
    pub calls: Vec<CallRow>,
    /// Pass as `cursor` for the next page; `None` on the last.
    pub next_cursor: Option<Cursor>,
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
            after: params.cursor.as_deref().map(Cursor::decode).transpose()?,
        })
    }

    /// The page of `rows` fetched with [`CallQuery::fetch_limit`] (one more than the page, to
    /// tell whether another follows).
    pub fn page(&self, mut rows: Vec<CallRow>) -> Page {
        let more = rows.len() > self.limit;
        rows.truncate(self.limit);
        let next_cursor = if more {
            rows.last().map(Cursor::after)
        } else {
            None
        };
        Page {
            calls: rows,
            next_cursor,
        }
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
    fn a_cursor_reads_back_what_it_wrote() {
        let cursor = Cursor {
            at_us: 1_767_225_600_000_000,
            id: 42,
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Ok(cursor));
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
                    cursor: Some("abc".into()),
                    ..CallParams::default()
                },
                "cursor",
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
