//! Per-endpoint health: a receiver that cannot be reached costs one probe, not the queue.
//!
//! After [`TRIP_AFTER`] consecutive attempts to an endpoint fail to connect, the endpoint is
//! *held*: the dispatcher stops claiming its deliveries, which stay pending with their attempt
//! count and schedule untouched. When the hold ends, one delivery is let through as a probe
//! (the others claimed with it go back, due as they were). A probe that connects, whatever the
//! receiver answers, ends the hold at once and the queue drains; a probe that cannot connect
//! holds the endpoint again for twice as long, up to [`MAX_HOLD`].
//!
//! Only connection failures count ([`AttemptErrorKind::Connect`]): a receiver that answers, even
//! with an error or slowly, is reachable, and its retries follow the schedule as before. The
//! state is per process and in memory: each gateway finds out on its own, after a restart too.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use crate::delivery::ids::EndpointId;
use crate::delivery::model::AttemptErrorKind;

/// Consecutive connection failures that hold an endpoint.
pub(crate) const TRIP_AFTER: u32 = 3;
/// The first hold.
pub(crate) const FIRST_HOLD: Duration = Duration::from_secs(1);
/// The longest hold.
pub(crate) const MAX_HOLD: Duration = Duration::from_secs(30);
/// A probe without a result after this long (its task was lost) no longer holds the endpoint.
const PROBE_EXPIRES: Duration = Duration::from_secs(120);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Deliveries flow; `failures` consecutive connection failures so far.
    Open { failures: u32 },
    /// No claims until `until`; the next hold lasts `next`.
    Held { until: SystemTime, next: Duration },
    /// One probe, sent at `since`, is under way; a failure holds for `next`.
    Probing { next: Duration, since: SystemTime },
}

/// What to do with a claimed delivery of an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admit {
    /// Send it (for a held endpoint whose hold ended: as the probe).
    Send,
    /// Give it back untouched: the endpoint is held or its probe is under way.
    Hold,
}

/// The health of every endpoint this process delivers to.
#[derive(Debug, Default)]
pub(crate) struct Circuits {
    endpoints: HashMap<EndpointId, State>,
}

impl Circuits {
    /// Endpoints whose deliveries must not be claimed now.
    pub(crate) fn held(&self, now: SystemTime) -> impl Iterator<Item = &EndpointId> {
        self.endpoints.iter().filter_map(move |(id, s)| match s {
            State::Held { until, .. } if *until > now => Some(id),
            State::Probing { since, .. } if *since + PROBE_EXPIRES > now => Some(id),
            _ => None,
        })
    }

    /// The earliest time a hold ends, to wake the dispatcher for the probe.
    pub(crate) fn next_probe(&self) -> Option<SystemTime> {
        self.endpoints
            .values()
            .filter_map(|s| match s {
                State::Held { until, .. } => Some(*until),
                _ => None,
            })
            .min()
    }

    /// Decides for one claimed delivery of `endpoint`; an ended hold becomes a probe.
    pub(crate) fn admit(&mut self, endpoint: &EndpointId, now: SystemTime) -> Admit {
        match self.endpoints.get(endpoint).copied() {
            None | Some(State::Open { .. }) => Admit::Send,
            Some(State::Held { until, next }) if until <= now => {
                self.endpoints
                    .insert(endpoint.clone(), State::Probing { next, since: now });
                Admit::Send
            }
            Some(State::Probing { next, since }) if since + PROBE_EXPIRES <= now => {
                self.endpoints
                    .insert(endpoint.clone(), State::Probing { next, since: now });
                Admit::Send
            }
            Some(State::Held { .. } | State::Probing { .. }) => Admit::Hold,
        }
    }

    /// Undoes [`admit`](Self::admit) for a delivery that was given back without an attempt
    /// (its endpoint was saturated or over its rate limit): a probe it would have been is due
    /// again at once.
    pub(crate) fn give_back(&mut self, endpoint: &EndpointId, now: SystemTime) {
        if let Some(State::Probing { next, .. }) = self.endpoints.get(endpoint).copied() {
            self.endpoints
                .insert(endpoint.clone(), State::Held { until: now, next });
        }
    }

    /// Records how an attempt to `endpoint` ended (`None`: it succeeded).
    pub(crate) fn record(
        &mut self,
        endpoint: &EndpointId,
        error: Option<AttemptErrorKind>,
        now: SystemTime,
    ) {
        let unreachable = error == Some(AttemptErrorKind::Connect);
        let state = self
            .endpoints
            .get(endpoint)
            .copied()
            .unwrap_or(State::Open { failures: 0 });
        let next = match (state, unreachable) {
            (_, false) => None,
            (State::Open { failures }, true) if failures + 1 >= TRIP_AFTER => Some(State::Held {
                until: now + FIRST_HOLD,
                next: (FIRST_HOLD * 2).min(MAX_HOLD),
            }),
            (State::Open { failures }, true) => Some(State::Open {
                failures: failures + 1,
            }),
            (State::Probing { next, .. }, true) => Some(State::Held {
                until: now + next,
                next: (next * 2).min(MAX_HOLD),
            }),
            // An attempt that was already under way when the hold began.
            (held @ State::Held { .. }, true) => Some(held),
        };
        match next {
            Some(s) => {
                self.endpoints.insert(endpoint.clone(), s);
            }
            None => {
                self.endpoints.remove(endpoint);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ms: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_millis(ms)
    }

    fn ep() -> EndpointId {
        EndpointId::parse("ep_circuit").unwrap()
    }

    fn fail(c: &mut Circuits, at: u64) {
        c.record(&ep(), Some(AttemptErrorKind::Connect), t(at));
    }

    fn is_held(c: &Circuits, at: u64) -> bool {
        c.held(t(at)).any(|e| e == &ep())
    }

    #[test]
    fn an_endpoint_is_held_after_consecutive_connection_failures() {
        let mut c = Circuits::default();
        for i in 0..TRIP_AFTER - 1 {
            fail(&mut c, u64::from(i));
            assert!(!is_held(&c, u64::from(i)));
        }
        fail(&mut c, 10);
        assert!(is_held(&c, 10));
        assert_eq!(c.admit(&ep(), t(10)), Admit::Hold);
        assert_eq!(c.next_probe(), Some(t(10) + FIRST_HOLD));
    }

    #[test]
    fn an_answer_of_any_status_resets_the_count() {
        let mut c = Circuits::default();
        for i in 0..10 {
            fail(&mut c, i);
            fail(&mut c, i);
            c.record(&ep(), Some(AttemptErrorKind::Status), t(i));
        }
        assert!(!is_held(&c, 10));
    }

    #[test]
    fn timeouts_are_not_connection_failures() {
        let mut c = Circuits::default();
        for i in 0..10 {
            c.record(&ep(), Some(AttemptErrorKind::Timeout), t(i));
        }
        assert!(!is_held(&c, 10));
    }

    #[test]
    fn an_ended_hold_lets_exactly_one_probe_through() {
        let mut c = Circuits::default();
        for i in 0..TRIP_AFTER {
            fail(&mut c, u64::from(i));
        }
        let after = 2 + 1_000;
        assert!(!is_held(&c, after), "claims resume for the probe");
        assert_eq!(c.admit(&ep(), t(after)), Admit::Send);
        assert_eq!(c.admit(&ep(), t(after)), Admit::Hold);
        assert!(is_held(&c, after), "no more claims while probing");
    }

    #[test]
    fn a_failed_probe_doubles_the_hold_up_to_the_cap() {
        let mut c = Circuits::default();
        for i in 0..TRIP_AFTER {
            fail(&mut c, u64::from(i));
        }
        let mut now = 2;
        let mut hold = FIRST_HOLD;
        for _ in 0..10 {
            now += u64::try_from(hold.as_millis()).unwrap();
            assert_eq!(c.admit(&ep(), t(now)), Admit::Send);
            fail(&mut c, now);
            hold = (hold * 2).min(MAX_HOLD);
            assert_eq!(c.next_probe(), Some(t(now) + hold));
        }
        assert_eq!(hold, MAX_HOLD);
    }

    #[test]
    fn a_probe_given_back_unsent_is_due_again_at_once() {
        let mut c = Circuits::default();
        for i in 0..TRIP_AFTER {
            fail(&mut c, u64::from(i));
        }
        assert_eq!(c.admit(&ep(), t(5_000)), Admit::Send);
        c.give_back(&ep(), t(5_000));
        assert!(!is_held(&c, 5_000));
        assert_eq!(c.admit(&ep(), t(5_000)), Admit::Send);
    }

    #[test]
    fn a_lost_probe_stops_holding_after_it_expires() {
        let mut c = Circuits::default();
        for i in 0..TRIP_AFTER {
            fail(&mut c, u64::from(i));
        }
        assert_eq!(c.admit(&ep(), t(5_000)), Admit::Send);
        let later = 5_000 + u64::try_from(PROBE_EXPIRES.as_millis()).unwrap();
        assert!(!is_held(&c, later));
        assert_eq!(c.admit(&ep(), t(later)), Admit::Send);
    }

    #[test]
    fn a_probe_that_connects_releases_the_endpoint_at_once() {
        let mut c = Circuits::default();
        for i in 0..TRIP_AFTER {
            fail(&mut c, u64::from(i));
        }
        assert_eq!(c.admit(&ep(), t(5_000)), Admit::Send);
        c.record(&ep(), Some(AttemptErrorKind::Status), t(5_001));
        assert!(!is_held(&c, 5_001));
        assert_eq!(c.admit(&ep(), t(5_001)), Admit::Send);
        assert_eq!(c.next_probe(), None);
    }
}
