//! Property tests of the delivery state machine: every schedule, every outcome, the failure
//! clock's edges, 410 and the automatic-disable boundary, and the reference semantics a store
//! applies.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use proptest::prelude::*;
use switchboard_core::Secret;

use super::{EndpointHealth, Outcome, decide};
use crate::delivery::config::DeliveryConfig;
use crate::delivery::events::OperationalEvent;
use crate::delivery::ids::{DeliveryId, EndpointId, MessageId};
use crate::delivery::model::{
    AttemptErrorKind, Delivery, DeliveryStatus, DisabledReason, Endpoint, EndpointKey, EventFilter,
    Message,
};
use crate::delivery::schedule::{JitterDraw, RetrySchedule, throttled_delay};
use crate::delivery::store::{Applied, Claim, ClockChange, Decision, Disable, NextStep};

fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn endpoint(failing_since: Option<SystemTime>) -> Endpoint {
    Endpoint {
        id: EndpointId::generate(),
        name: "receiver".into(),
        url: "https://receiver.example.com/hook".into(),
        events: EventFilter::All,
        channels: Vec::new(),
        keys: vec![EndpointKey {
            secret: Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            valid_until: None,
        }],
        headers: Vec::new(),
        enabled: true,
        disabled_reason: None,
        failing_since,
        max_in_flight: 8,
        rate_limit: None,
        ordered: false,
        description: None,
        metadata: Default::default(),
        origin: Default::default(),
        created_at: t0(),
        updated_at: t0(),
    }
}

fn claim(attempts: u32, failed_in_round: u32, failing_since: Option<SystemTime>) -> Claim {
    let endpoint = endpoint(failing_since);
    let message = Message {
        id: MessageId::generate(),
        event_type: "user.joined".into(),
        channels: Vec::new(),
        payload: Bytes::from_static(b"{}"),
        idempotency_key: None,
        created_at: t0(),
    };
    let delivery = Delivery {
        id: DeliveryId::generate(),
        message_id: message.id.clone(),
        endpoint_id: endpoint.id.clone(),
        status: DeliveryStatus::InFlight,
        attempts,
        failed_in_round,
        next_attempt_at: None,
        lease_until: Some(t0() + secs(60)),
        created_at: t0(),
        updated_at: t0(),
    };
    Claim {
        delivery,
        message,
        endpoint,
        lease_token: "token-1".into(),
    }
}

fn success(status: u16) -> Outcome {
    Outcome {
        status: Some(status),
        body: Some("ok".into()),
        retry_after: None,
        error_kind: None,
        error: None,
        latency: Duration::from_millis(3),
    }
}

fn status_failure(status: u16, retry_after: Option<Duration>) -> Outcome {
    Outcome {
        status: Some(status),
        body: Some("no".into()),
        retry_after,
        error_kind: Some(AttemptErrorKind::Status),
        error: Some(format!("HTTP {status}")),
        latency: Duration::from_millis(7),
    }
}

fn no_answer(kind: AttemptErrorKind) -> Outcome {
    Outcome {
        status: None,
        body: None,
        retry_after: None,
        error_kind: Some(kind),
        error: Some("connection refused".into()),
        latency: Duration::from_millis(1),
    }
}

fn successes() -> impl Strategy<Value = Outcome> + Clone {
    (200u16..300).prop_map(success)
}

/// Every failure: any non-2xx status (410, 429 and 503 weighted up) with or without a
/// `Retry-After`, or no answer at all.
fn failures() -> impl Strategy<Value = Outcome> + Clone {
    let kinds = prop::sample::select(vec![
        AttemptErrorKind::Timeout,
        AttemptErrorKind::Connect,
        AttemptErrorKind::Transport,
        AttemptErrorKind::Blocked,
        AttemptErrorKind::Request,
    ]);
    let retry_after = || prop::option::of((0u64..200_000).prop_map(secs));
    let status = prop_oneof![
        (300u16..600),
        (100u16..200),
        prop::sample::select(vec![410u16, 429, 503]),
    ];
    prop_oneof![
        (status, retry_after()).prop_map(|(s, r)| status_failure(s, r)),
        kinds.prop_map(no_answer),
    ]
}

fn gone() -> impl Strategy<Value = Outcome> + Clone {
    prop::option::of((0u64..200_000).prop_map(secs)).prop_map(|r| status_failure(410, r))
}

/// Any outcome a receiver (or the network) can produce.
fn outcome() -> impl Strategy<Value = Outcome> + Clone {
    prop_oneof![successes(), failures()]
}

/// Any valid schedule: 1 to 10 steps of up to ~28 h, jitter up to 90 %.
fn schedule() -> impl Strategy<Value = RetrySchedule> {
    (
        prop::collection::vec((0u64..100_000).prop_map(secs), 1..=10),
        0.0f64..0.9,
    )
        .prop_map(|(delays, jitter)| {
            RetrySchedule::new(delays)
                .unwrap()
                .with_jitter(jitter)
                .unwrap()
        })
}

fn config() -> impl Strategy<Value = DeliveryConfig> {
    (schedule(), 0u64..(10 * 86_400), 0u64..300).prop_map(|(schedule, disable, floor)| {
        DeliveryConfig {
            schedule,
            disable_after: secs(disable),
            throttle_floor: secs(floor),
            ..DeliveryConfig::default()
        }
    })
}

/// The failure clock as claimed: stopped, started up to twice `disable_after` ago (the
/// boundary included), or ahead of `now` (another node's clock is ahead).
fn clock(now: SystemTime, disable_after: Duration) -> impl Strategy<Value = Option<SystemTime>> {
    let span = disable_after.as_millis() as u64 * 2 + 1;
    prop_oneof![
        Just(None),
        Just(now.checked_sub(disable_after)),
        (0..span).prop_map(move |ms| now.checked_sub(Duration::from_millis(ms))),
        (1u64..10_000).prop_map(move |ms| Some(now + Duration::from_millis(ms))),
    ]
}

/// One attempt to decide: the claim's counters, the outcome, the config, the clock, `now` and
/// the jitter draw.
#[derive(Debug, Clone)]
struct Case {
    attempts: u32,
    failed_in_round: u32,
    outcome: Outcome,
    config: DeliveryConfig,
    failing_since: Option<SystemTime>,
    now: SystemTime,
    draw: f64,
}

fn case() -> impl Strategy<Value = Case> {
    case_of(outcome())
}

fn case_of(outcome: impl Strategy<Value = Outcome> + Clone) -> impl Strategy<Value = Case> {
    (
        config(),
        0u64..1_000_000_000,
        0u32..40,
        outcome,
        0.0f64..1.0,
    )
        .prop_flat_map(|(config, offset, attempts, outcome, draw)| {
            let now = t0() + secs(offset);
            let steps = config.schedule.max_attempts();
            let clock = clock(now, config.disable_after);
            (0..=steps + 1, clock).prop_map(move |(failed_in_round, failing_since)| Case {
                attempts: attempts.max(failed_in_round),
                failed_in_round,
                outcome: outcome.clone(),
                config: config.clone(),
                failing_since,
                now,
                draw,
            })
        })
}

fn run(c: &Case) -> (Claim, Decision) {
    let claim = claim(c.attempts, c.failed_in_round, c.failing_since);
    let decision = decide(
        &claim,
        c.outcome.clone(),
        EndpointHealth::of(&claim.endpoint),
        &c.config,
        c.now,
        JitterDraw::at(c.draw),
    );
    (claim, decision)
}

fn has(decision: &Decision, event_type: &str) -> bool {
    decision.events.iter().any(|e| e.event_type() == event_type)
}

proptest! {
    #[test]
    fn the_attempt_row_and_counters_mirror_the_claim_and_outcome(c in case()) {
        let (claim, d) = run(&c);
        let a = &d.attempt;
        prop_assert_eq!(a.number, claim.delivery.attempts + 1);
        prop_assert_eq!(d.delivery.attempts, a.number);
        prop_assert_eq!(a.at, c.now);
        prop_assert_eq!(d.now, c.now);
        prop_assert_eq!(&a.delivery_id, &claim.delivery.id);
        prop_assert_eq!(&a.message_id, &claim.message.id);
        prop_assert_eq!(&a.endpoint_id, &claim.endpoint.id);
        prop_assert_eq!(&d.endpoint_id, &claim.endpoint.id);
        prop_assert_eq!(&d.delivery.id, &claim.delivery.id);
        prop_assert_eq!(&d.delivery.lease_token, &claim.lease_token);
        prop_assert_eq!(a.status, c.outcome.status);
        prop_assert_eq!(&a.response_body, &c.outcome.body);
        prop_assert_eq!(a.error_kind, c.outcome.error_kind);
        prop_assert_eq!(&a.error, &c.outcome.error);
        prop_assert_eq!(a.latency, c.outcome.latency);
        for e in &d.events {
            prop_assert_eq!(e.endpoint_id(), &claim.endpoint.id);
        }
    }

    #[test]
    fn a_success_delivers_and_stops_the_clock(c in case_of(successes())) {
        let (claim, d) = run(&c);
        prop_assert_eq!(d.delivery.next, NextStep::Delivered);
        prop_assert_eq!(d.delivery.failed_in_round, claim.delivery.failed_in_round);
        prop_assert_eq!(d.endpoint.clock, ClockChange::Stop);
        prop_assert_eq!(d.endpoint.disable, None);
        prop_assert!(d.events.is_empty());
    }

    #[test]
    fn a_failure_takes_the_next_step_of_the_schedule(c in case_of(failures())) {
        let (claim, d) = run(&c);
        let failed = claim.delivery.failed_in_round + 1;
        prop_assert_eq!(d.delivery.failed_in_round, failed);
        match c.config.schedule.scheduled_delay(failed) {
            None => {
                prop_assert_eq!(d.delivery.next, NextStep::DeadLetter);
                let exhausted = OperationalEvent::AttemptExhausted {
                    endpoint_id: claim.endpoint.id.clone(),
                    message_id: claim.message.id.clone(),
                    delivery_id: claim.delivery.id.clone(),
                    attempts: claim.delivery.attempts + 1,
                    at: c.now,
                };
                prop_assert!(d.events.contains(&exhausted));
            }
            Some(scheduled) => {
                let NextStep::Retry { at } = d.delivery.next else {
                    return Err(TestCaseError::fail(format!("expected a retry, got {:?}", d.delivery.next)));
                };
                prop_assert!(!has(&d, "message.attempt.exhausted"));
                let delay = at.duration_since(c.now).unwrap();
                if matches!(c.outcome.status, Some(429 | 503)) {
                    let want = throttled_delay(scheduled, c.outcome.retry_after, c.config.throttle_floor);
                    prop_assert_eq!(delay, want);
                    prop_assert!(delay >= c.config.throttle_floor && delay >= scheduled);
                } else {
                    let j = c.config.schedule.jitter();
                    let (lo, hi) = (scheduled.mul_f64(1.0 - j), scheduled.mul_f64(1.0 + j));
                    let slack = Duration::from_micros(1);
                    prop_assert!(delay + slack >= lo && delay <= hi + slack, "{delay:?} outside {lo:?}..{hi:?}");
                }
            }
        }
    }

    #[test]
    fn gone_disables_whatever_the_clock_says(c in case_of(gone())) {
        let (claim, d) = run(&c);
        prop_assert_eq!(d.endpoint.clock, ClockChange::Keep);
        prop_assert_eq!(d.endpoint.disable, Some(Disable {
            reason: DisabledReason::Gone,
            if_failing_since: None,
        }));
        let disabled = OperationalEvent::EndpointDisabled {
            endpoint_id: claim.endpoint.id.clone(),
            reason: DisabledReason::Gone,
            at: c.now,
        };
        prop_assert!(d.events.contains(&disabled));
        prop_assert!(!has(&d, "message.attempt.failing"));
    }

    #[test]
    fn a_failure_starts_the_clock_and_disables_once_it_ran_disable_after(c in case_of(failures())) {
        prop_assume!(c.outcome.status != Some(410));
        let (_, d) = run(&c);
        prop_assert_eq!(d.endpoint.clock, ClockChange::Start { at: c.now });
        prop_assert!(has(&d, "message.attempt.failing"));
        let since = c.failing_since.unwrap_or(c.now);
        let ran_long_enough = since <= c.now && c.now.duration_since(since).unwrap() >= c.config.disable_after;
        match d.endpoint.disable {
            Some(disable) => {
                prop_assert!(ran_long_enough);
                prop_assert_eq!(disable, Disable {
                    reason: DisabledReason::Failing,
                    if_failing_since: c.failing_since,
                });
                prop_assert!(has(&d, "endpoint.disabled"));
            }
            None => {
                prop_assert!(!ran_long_enough);
                prop_assert!(!has(&d, "endpoint.disabled"));
            }
        }
    }

    #[test]
    fn only_the_events_whose_change_took_effect_are_emitted(
        c in case(),
        clock_started in any::<bool>(),
        clock_stopped in any::<bool>(),
        disabled in any::<bool>(),
    ) {
        let (_, d) = run(&c);
        let applied = Applied { clock_started, clock_stopped, disabled };
        let emitted: Vec<&str> = d.emitted(applied).map(OperationalEvent::event_type).collect();
        let listed = |t| has(&d, t);
        prop_assert_eq!(emitted.contains(&"endpoint.disabled"), listed("endpoint.disabled") && disabled);
        prop_assert_eq!(
            emitted.contains(&"message.attempt.failing"),
            listed("message.attempt.failing") && clock_started && !disabled
        );
        prop_assert_eq!(emitted.contains(&"message.attempt.exhausted"), listed("message.attempt.exhausted"));
    }

    #[test]
    fn applying_a_change_follows_the_endpoint_as_found(
        c in case(),
        enabled in any::<bool>(),
        found_clock in prop::option::of(0u64..1_000_000),
        same_clock in any::<bool>(),
    ) {
        let (_, d) = run(&c);
        let mut e = endpoint(None);
        e.enabled = enabled;
        e.disabled_reason = (!enabled).then_some(DisabledReason::Manual);
        // The clock as the store finds it: what the engine saw, or anything else.
        e.failing_since = if same_clock { c.failing_since } else { found_clock.map(|ms| t0() + Duration::from_millis(ms)) };
        let before = e.clone();
        let applied = d.endpoint.apply_to(&mut e, c.now);
        match d.endpoint.clock {
            ClockChange::Keep => prop_assert_eq!(e.failing_since, before.failing_since),
            ClockChange::Stop => prop_assert_eq!(e.failing_since, None),
            ClockChange::Start { at } => prop_assert_eq!(e.failing_since, before.failing_since.or(Some(at))),
        }
        prop_assert_eq!(applied.clock_started, before.failing_since.is_none() && e.failing_since.is_some());
        prop_assert_eq!(applied.clock_stopped, before.failing_since.is_some() && e.failing_since.is_none());
        let guard_holds = d.endpoint.disable.is_some_and(|g| g.if_failing_since.is_none_or(|t| before.failing_since == Some(t)));
        prop_assert_eq!(applied.disabled, before.enabled && guard_holds);
        if applied.disabled {
            prop_assert!(!e.enabled);
            prop_assert_eq!(e.disabled_reason, d.endpoint.disable.map(|g| g.reason));
            prop_assert_eq!(e.updated_at, c.now);
        } else {
            prop_assert_eq!(e.enabled, before.enabled);
            prop_assert_eq!(e.disabled_reason, before.disabled_reason);
            prop_assert_eq!(e.updated_at, before.updated_at);
        }
    }

    /// A receiver that never answers 2xx: the delivery gets exactly the schedule's attempts, at
    /// the schedule's times (within the jitter), then is dead-lettered.
    #[test]
    fn every_schedule_runs_to_its_dead_letter(config in config(), draws in prop::collection::vec(0.0f64..1.0, 12)) {
        let schedule = &config.schedule;
        let mut c = claim(0, 0, None);
        let mut now = t0();
        let mut waited = Duration::ZERO;
        for n in 1..=schedule.max_attempts() {
            let d = decide(&c, status_failure(500, None), EndpointHealth::of(&c.endpoint), &config, now, JitterDraw::at(draws[n as usize]));
            prop_assert_eq!(d.attempt.number, n);
            match d.delivery.next {
                NextStep::Retry { at } => {
                    prop_assert!(n < schedule.max_attempts());
                    waited += at.duration_since(now).unwrap();
                    now = at;
                }
                NextStep::DeadLetter => prop_assert_eq!(n, schedule.max_attempts()),
                NextStep::Delivered => return Err(TestCaseError::fail("a failure delivered")),
            }
            d.endpoint.apply_to(&mut c.endpoint, now);
            c.delivery.attempts = d.delivery.attempts;
            c.delivery.failed_in_round = d.delivery.failed_in_round;
        }
        let planned: Duration = schedule.delays()[1..].iter().sum();
        let j = schedule.jitter();
        let slack = Duration::from_micros(u64::from(schedule.max_attempts()));
        prop_assert!(waited + slack >= planned.mul_f64(1.0 - j) && waited <= planned.mul_f64(1.0 + j) + slack);
    }

    /// Failures every `step` seconds with an occasional success: the endpoint is disabled by the
    /// first failure at least `disable_after` after the first failure of the current run, and
    /// never earlier.
    #[test]
    fn the_endpoint_is_disabled_at_the_first_failure_past_the_window(
        disable_after in 0u64..1000,
        step in 1u64..200,
        answers in prop::collection::vec(prop::bool::weighted(0.9), 1..60),
    ) {
        let config = DeliveryConfig {
            schedule: RetrySchedule::new(vec![secs(0); 100]).unwrap(),
            disable_after: secs(disable_after),
            ..DeliveryConfig::default()
        };
        let mut c = claim(0, 0, None);
        let mut run_started = None;
        for (i, fails) in answers.into_iter().enumerate() {
            let now = t0() + secs(step * i as u64);
            let outcome = if fails { status_failure(500, None) } else { success(200) };
            let d = decide(&c, outcome, EndpointHealth::of(&c.endpoint), &config, now, JitterDraw::at(0.5));
            let applied = d.endpoint.apply_to(&mut c.endpoint, now);
            if !fails {
                run_started = None;
                prop_assert!(!applied.disabled);
                continue;
            }
            let started = *run_started.get_or_insert(now);
            let due = now.duration_since(started).unwrap() >= secs(disable_after);
            prop_assert_eq!(applied.disabled, due, "attempt {} at +{}s", i, step * i as u64);
            prop_assert_eq!(applied.clock_started, started == now);
            if applied.disabled {
                prop_assert_eq!(c.endpoint.disabled_reason, Some(DisabledReason::Failing));
                break;
            }
        }
    }
}

#[test]
fn the_disable_boundary_is_inclusive_and_a_clock_ahead_of_now_never_disables() {
    let config = DeliveryConfig::default();
    let now = t0() + secs(10 * 86_400);
    let decide_at = |since: SystemTime| {
        let c = claim(3, 1, Some(since));
        decide(
            &c,
            no_answer(AttemptErrorKind::Connect),
            EndpointHealth::of(&c.endpoint),
            &config,
            now,
            JitterDraw::at(0.0),
        )
        .endpoint
        .disable
    };
    let window = config.disable_after;
    assert_eq!(
        decide_at(now - window),
        Some(Disable {
            reason: DisabledReason::Failing,
            if_failing_since: Some(now - window),
        })
    );
    assert_eq!(decide_at(now - window + Duration::from_millis(1)), None);
    assert_eq!(decide_at(now + Duration::from_millis(1)), None);
}

#[test]
fn a_guarded_disable_yields_to_a_success_in_between() {
    let now = t0() + secs(6 * 86_400);
    let c = claim(5, 2, Some(t0()));
    let d = decide(
        &c,
        status_failure(500, None),
        EndpointHealth::of(&c.endpoint),
        &DeliveryConfig::default(),
        now,
        JitterDraw::at(0.5),
    );
    // Another worker's success stopped the clock after this delivery was claimed.
    let mut found = endpoint(None);
    let applied = d.endpoint.apply_to(&mut found, now);
    assert_eq!(
        applied,
        Applied {
            clock_started: true,
            clock_stopped: false,
            disabled: false,
        }
    );
    assert!(found.enabled);
    assert_eq!(found.failing_since, Some(now));
    let emitted: Vec<&str> = d
        .emitted(applied)
        .map(OperationalEvent::event_type)
        .collect();
    assert_eq!(emitted, ["message.attempt.failing"]);
}
