//! Row collection under the row and byte caps, shared by the three engines.

use std::io;

use serde_json::Value;

use super::output::{Column, QueryOutput, TruncatedReason};

/// Caps and deadline of one query, after the model's `max_rows` was clamped to the operator's limit.
#[derive(Debug, Clone, Copy)]
pub(super) struct RunLimits {
    pub(super) max_rows: u32,
    pub(super) max_bytes: u64,
    pub(super) timeout: std::time::Duration,
}

impl RunLimits {
    pub(super) fn timeout_ms(&self) -> u64 {
        u64::try_from(self.timeout.as_millis())
            .unwrap_or(u64::MAX)
            .max(1)
    }
}

/// Whether the engine should read another row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flow {
    Continue,
    Stop,
}

/// Accumulates rows until a cap is hit.
#[derive(Debug)]
pub(super) struct Collector {
    limits: RunLimits,
    rows: Vec<Vec<Value>>,
    bytes: u64,
    truncated: Option<TruncatedReason>,
}

impl Collector {
    pub(super) fn new(limits: RunLimits) -> Self {
        Self {
            limits,
            rows: Vec::new(),
            // `[]` around the rows.
            bytes: 2,
            truncated: None,
        }
    }

    /// Adds a row, or records why it cannot be added and asks the engine to stop.
    pub(super) fn push(&mut self, row: Vec<Value>) -> Flow {
        if self.truncated.is_some() {
            return Flow::Stop;
        }
        if self.rows.len() >= self.limits.max_rows as usize {
            self.truncated = Some(TruncatedReason::MaxRows {
                max_rows: self.limits.max_rows,
            });
            return Flow::Stop;
        }
        // The row as JSON plus the separating comma.
        let size = json_len(&row) + u64::from(!self.rows.is_empty());
        if self.bytes.saturating_add(size) > self.limits.max_bytes {
            self.truncated = Some(TruncatedReason::MaxBytes {
                max_bytes: self.limits.max_bytes,
            });
            return Flow::Stop;
        }
        self.bytes += size;
        self.rows.push(row);
        Flow::Continue
    }

    /// True once a cap was hit (more rows may be pending in the engine).
    pub(super) fn is_truncated(&self) -> bool {
        self.truncated.is_some()
    }

    pub(super) fn finish(self, columns: Vec<Column>) -> QueryOutput {
        QueryOutput {
            columns,
            row_count: self.rows.len() as u64,
            rows: self.rows,
            truncated: self.truncated.is_some(),
            truncated_reason: self.truncated,
        }
    }
}

/// Size of `value` serialised as compact JSON, without allocating it.
fn json_len(value: &impl serde::Serialize) -> u64 {
    struct Count(u64);
    impl io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0 += buf.len() as u64;
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Serialising a `serde_json::Value` into an infallible writer cannot fail.
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::*;

    fn limits(max_rows: u32, max_bytes: u64) -> RunLimits {
        RunLimits {
            max_rows,
            max_bytes,
            timeout: Duration::from_secs(1),
        }
    }

    #[test]
    fn row_cap_reports_truncation_only_when_more_rows_exist() {
        let mut c = Collector::new(limits(2, 1000));
        assert_eq!(c.push(vec![json!(1)]), Flow::Continue);
        assert_eq!(c.push(vec![json!(2)]), Flow::Continue);
        assert!(!c.is_truncated());
        assert_eq!(c.push(vec![json!(3)]), Flow::Stop);
        let out = c.finish(vec![]);
        assert_eq!(out.row_count, 2);
        assert_eq!(
            out.truncated_reason,
            Some(TruncatedReason::MaxRows { max_rows: 2 })
        );
    }

    #[test]
    fn byte_cap_counts_the_json_size() {
        // `[[1]]` is 5 bytes, `[[1],[2]]` is 9.
        let mut c = Collector::new(limits(10, 8));
        assert_eq!(c.push(vec![json!(1)]), Flow::Continue);
        assert_eq!(c.push(vec![json!(2)]), Flow::Stop);
        let out = c.finish(vec![]);
        assert_eq!(
            serde_json::to_string(&out.rows).map(|s| s.len()).ok(),
            Some(5)
        );
        assert_eq!(
            out.truncated_reason,
            Some(TruncatedReason::MaxBytes { max_bytes: 8 })
        );
    }
}
