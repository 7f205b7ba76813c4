//! The overview: the queue by state, the last hour's attempts (per minute, success ratio,
//! latency percentiles), the endpoints failing now and the last dead-lettered deliveries.
//!
//! The hour is read from the newest [`ATTEMPT_WINDOW`] attempts (the admin API's attempt
//! listing); under a heavier load the chart covers the part of the hour those reach back to,
//! and says so.

use std::time::{Duration, SystemTime};

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use switchboard::webhooks::delivery::{
    Attempt, AttemptQuery, DeliveryQuery, DeliveryStatus, QueueDepth,
};

use super::super::{Operator, view};
use super::endpoints::{EndpointRow, endpoint_names};
use crate::http::AppState;
use crate::http::admin::{manager, manager_error};

/// Most attempts read for the hour's figures.
const ATTEMPT_WINDOW: usize = 1000;

/// Height of the chart's plot area, in SVG units.
const CHART_HEIGHT: f64 = 80.0;

/// One minute's bar: delivered attempts stacked on failed ones.
#[derive(Debug)]
struct Bar {
    x: usize,
    ok_y: f64,
    ok_h: f64,
    fail_y: f64,
    fail_h: f64,
    label: String,
}

/// One dead-lettered delivery.
#[derive(Debug)]
struct DeadRow {
    message: String,
    endpoint: String,
    attempts: u32,
    at: String,
}

#[derive(Template)]
#[template(path = "console/overview.html")]
struct Overview {
    chrome: view::Chrome,
    queue: QueueDepth,
    bars: Vec<Bar>,
    attempts: usize,
    succeeded: usize,
    ratio: String,
    p50: String,
    p99: String,
    truncated: bool,
    failing: Vec<EndpointRow>,
    dead: Vec<DeadRow>,
}

/// `GET /ui`.
pub(crate) async fn show(State(state): State<AppState>, operator: Operator) -> Response {
    match build(&state, operator).await {
        Ok(page) => view::render(&page),
        Err(e) => view::api_error(&e),
    }
}

async fn build(
    state: &AppState,
    operator: Operator,
) -> Result<Overview, crate::http::error::ApiError> {
    let m = manager(state)?;
    let queue = m.queue_depth().await.map_err(|e| manager_error(&e))?;
    let now = SystemTime::now();
    let hour_ago = now - Duration::from_secs(3600);
    let recent = m
        .attempts(&AttemptQuery {
            since: Some(hour_ago),
            limit: ATTEMPT_WINDOW,
            ..AttemptQuery::default()
        })
        .await
        .map_err(|e| manager_error(&e))?;
    // More attempts in the hour than the window holds: the figures cover the newest ones.
    let truncated = recent.next.is_some();
    let hour: Vec<&Attempt> = recent.data.iter().collect();
    let succeeded = hour.iter().filter(|a| a.succeeded()).count();
    let mut latencies: Vec<Duration> = hour.iter().map(|a| a.latency).collect();
    latencies.sort_unstable();
    let endpoints = m.list().await.map_err(|e| manager_error(&e))?;
    let names = endpoint_names(&endpoints);
    let failing = endpoints
        .iter()
        .filter(|e| e.failing_since.is_some() || !e.enabled)
        .map(EndpointRow::of)
        .collect();
    let dead = m
        .deliveries(&DeliveryQuery {
            status: Some(DeliveryStatus::DeadLetter),
            limit: 10,
            ..DeliveryQuery::default()
        })
        .await
        .map_err(|e| manager_error(&e))?
        .data
        .into_iter()
        .map(|d| DeadRow {
            message: d.message_id.as_str().to_owned(),
            endpoint: names.name(&d.endpoint_id),
            attempts: d.attempts,
            at: view::time(d.updated_at),
        })
        .collect();
    Ok(Overview {
        chrome: operator.chrome("overview"),
        queue,
        bars: bars(&hour, now),
        attempts: hour.len(),
        succeeded,
        ratio: if hour.is_empty() {
            "–".to_owned()
        } else {
            format!("{:.1} %", 100.0 * succeeded as f64 / hour.len() as f64)
        },
        p50: percentile(&latencies, 50),
        p99: percentile(&latencies, 99),
        truncated,
        failing,
        dead,
    })
}

/// Sixty one-minute bars ending at `now`, scaled to the busiest minute.
fn bars(hour: &[&Attempt], now: SystemTime) -> Vec<Bar> {
    let mut counts = [(0usize, 0usize); 60];
    for a in hour {
        let age = now.duration_since(a.at).unwrap_or_default().as_secs() / 60;
        let Some(slot) = 59usize.checked_sub(usize::try_from(age).unwrap_or(usize::MAX)) else {
            continue;
        };
        if a.succeeded() {
            counts[slot].0 += 1;
        } else {
            counts[slot].1 += 1;
        }
    }
    let most = counts.iter().map(|(o, f)| o + f).max().unwrap_or(0).max(1) as f64;
    counts
        .iter()
        .enumerate()
        .map(|(i, &(ok, failed))| {
            let ok_h = CHART_HEIGHT * ok as f64 / most;
            let fail_h = CHART_HEIGHT * failed as f64 / most;
            Bar {
                x: i * 5,
                ok_y: CHART_HEIGHT - ok_h,
                ok_h,
                fail_y: CHART_HEIGHT - ok_h - fail_h,
                fail_h,
                label: format!("{} min ago: {ok} delivered, {failed} failed", 59 - i),
            }
        })
        .collect()
}

/// The `p`th percentile (nearest rank) of sorted latencies, in milliseconds.
fn percentile(sorted: &[Duration], p: usize) -> String {
    if sorted.is_empty() {
        return "–".to_owned();
    }
    let rank = (p * sorted.len()).div_ceil(100).clamp(1, sorted.len());
    format!("{} ms", sorted[rank - 1].as_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let ms = |n| Duration::from_millis(n);
        let sorted: Vec<Duration> = (1..=100).map(ms).collect();
        assert_eq!(percentile(&sorted, 50), "50 ms");
        assert_eq!(percentile(&sorted, 99), "99 ms");
        assert_eq!(percentile(&[ms(7)], 99), "7 ms");
        assert_eq!(percentile(&[], 50), "–");
    }
}
