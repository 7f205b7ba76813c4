//! The retry schedule: when each attempt of a delivery is due, with jitter and `Retry-After`.

use std::time::Duration;

use ring::rand::{SecureRandom, SystemRandom};

/// Why a schedule was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ScheduleError {
    /// A schedule needs at least one attempt.
    #[error("the retry schedule is empty: it needs at least one attempt")]
    Empty,
    /// Jitter is a fraction in `[0, 1)`.
    #[error("jitter {0} is outside [0, 1)")]
    Jitter(f64),
}

/// When each attempt of a delivery is due, relative to the previous failed attempt.
///
/// `delays[0]` is the wait before the first attempt (usually zero), `delays[i]` the wait after
/// the `i`-th failed attempt. After the last attempt fails the delivery is dead-lettered.
/// Every non-zero delay is spread by ±`jitter` so retries of many deliveries do not align.
#[derive(Debug, Clone, PartialEq)]
pub struct RetrySchedule {
    delays: Vec<Duration>,
    jitter: f64,
}

impl Default for RetrySchedule {
    /// Immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, with ±20 % jitter (about 27.6 h).
    fn default() -> Self {
        let s = Duration::from_secs;
        Self {
            delays: vec![
                s(0),
                s(5),
                s(5 * 60),
                s(30 * 60),
                s(2 * 3600),
                s(5 * 3600),
                s(10 * 3600),
                s(10 * 3600),
            ],
            jitter: 0.2,
        }
    }
}

impl RetrySchedule {
    /// A schedule with these delays (see the type docs) and ±20 % jitter.
    pub fn new(delays: Vec<Duration>) -> Result<Self, ScheduleError> {
        if delays.is_empty() {
            return Err(ScheduleError::Empty);
        }
        Ok(Self {
            delays,
            jitter: 0.2,
        })
    }

    /// Sets the jitter fraction: `0.2` spreads each delay over ±20 %; `0.0` turns it off.
    pub fn with_jitter(mut self, jitter: f64) -> Result<Self, ScheduleError> {
        if !(0.0..1.0).contains(&jitter) {
            return Err(ScheduleError::Jitter(jitter));
        }
        self.jitter = jitter;
        Ok(self)
    }

    /// The delays, without jitter.
    pub fn delays(&self) -> &[Duration] {
        &self.delays
    }

    /// The jitter fraction.
    pub fn jitter(&self) -> f64 {
        self.jitter
    }

    /// How many attempts a delivery gets before it is dead-lettered.
    pub fn max_attempts(&self) -> u32 {
        u32::try_from(self.delays.len()).unwrap_or(u32::MAX)
    }

    /// The delay before the first attempt, without jitter.
    pub fn initial_delay(&self) -> Duration {
        self.delays.first().copied().unwrap_or_default()
    }

    /// The scheduled delay (without jitter) after `failed` attempts have failed, or `None`
    /// when the schedule is exhausted and the delivery should be dead-lettered.
    pub fn scheduled_delay(&self, failed: u32) -> Option<Duration> {
        self.delays.get(usize::try_from(failed).ok()?).copied()
    }

    /// `delay` spread by the jitter, at a random point of its range.
    pub fn jittered(&self, delay: Duration) -> Duration {
        self.jittered_at(delay, JitterDraw::random())
    }

    /// `delay` spread by the jitter at the point `draw` of its range: `draw` 0 gives
    /// `delay × (1 − jitter)`, values toward 1 approach `delay × (1 + jitter)`.
    pub(crate) fn jittered_at(&self, delay: Duration, draw: JitterDraw) -> Duration {
        if self.jitter == 0.0 || delay.is_zero() {
            return delay;
        }
        let factor = 1.0 + self.jitter * (2.0 * draw.0 - 1.0);
        delay.mul_f64(factor)
    }
}

/// A point in `[0, 1)` of a jittered delay's range, drawn once per attempt so that deciding what
/// comes next stays a pure function of its inputs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct JitterDraw(f64);

impl JitterDraw {
    /// A uniformly random point.
    pub(crate) fn random() -> Self {
        let mut bytes = [0u8; 8];
        match SystemRandom::new().fill(&mut bytes) {
            // 53 random bits mapped to [0, 1).
            Ok(()) => Self((u64::from_be_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64),
            Err(_) => Self(0.5),
        }
    }

    /// The point `unit`, clamped into `[0, 1)`.
    #[cfg(test)]
    pub(crate) fn at(unit: f64) -> Self {
        Self(unit.clamp(0.0, 1.0 - f64::EPSILON))
    }
}

/// The wait before the next attempt when the receiver asked to slow down (429 or 503).
///
/// The receiver's `Retry-After` is honoured within `[scheduled, 2 × scheduled]` so a receiver can
/// neither stall a delivery forever nor make it hammer; without one the scheduled delay is used.
/// Either way the wait is at least `floor`.
pub(crate) fn throttled_delay(
    scheduled: Duration,
    retry_after: Option<Duration>,
    floor: Duration,
) -> Duration {
    let delay = match retry_after {
        Some(asked) => asked.clamp(scheduled, scheduled.saturating_mul(2)),
        None => scheduled,
    };
    delay.max(floor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_schedule_is_the_documented_one() {
        let s = RetrySchedule::default();
        assert_eq!(s.max_attempts(), 8);
        assert_eq!(s.scheduled_delay(1), Some(Duration::from_secs(5)));
        assert_eq!(s.scheduled_delay(7), Some(Duration::from_secs(36_000)));
        assert_eq!(s.scheduled_delay(8), None);
        let total: Duration = s.delays().iter().sum();
        assert_eq!(
            total.as_secs(),
            5 + 300 + 1800 + 7200 + 18_000 + 36_000 + 36_000
        );
    }

    #[test]
    fn jitter_stays_within_bounds() {
        let s = RetrySchedule::default();
        for _ in 0..200 {
            let d = s.jittered(Duration::from_secs(100));
            assert!(
                d >= Duration::from_secs(80) && d <= Duration::from_secs(120),
                "{d:?}"
            );
        }
        let none = s.clone().with_jitter(0.0).unwrap();
        assert_eq!(
            none.jittered(Duration::from_secs(100)),
            Duration::from_secs(100)
        );
        assert!(s.with_jitter(1.5).is_err());
        assert!(RetrySchedule::new(vec![]).is_err());
    }

    #[test]
    fn retry_after_is_clamped_and_floored() {
        let s = Duration::from_secs;
        assert_eq!(throttled_delay(s(300), Some(s(10)), s(60)), s(300));
        assert_eq!(throttled_delay(s(300), Some(s(450)), s(60)), s(450));
        assert_eq!(throttled_delay(s(300), Some(s(99_999)), s(60)), s(600));
        assert_eq!(throttled_delay(s(5), Some(s(7)), s(60)), s(60));
        assert_eq!(throttled_delay(s(5), None, s(1)), s(5));
    }
}
