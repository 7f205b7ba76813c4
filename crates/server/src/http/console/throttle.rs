//! Slowing down admin-key guessing at the console's sign-in: failed sign-ins are counted per
//! client address and across all addresses, each in a fixed window; past either cap every
//! sign-in (the right key included) is refused until the window ends.
//!
//! - **Per address**: [`PER_ADDRESS`] failures in [`WINDOW`]. The address is the TCP peer;
//!   IPv6 peers count per `/64`, the block one subscriber usually holds. The gateway has no
//!   notion of a trusted proxy, so behind a reverse proxy every browser shares the proxy's
//!   address and therefore one budget.
//! - **Global**: [`GLOBAL`] failures in [`WINDOW`], whatever their address, so an attack spread
//!   over many addresses is slowed too. While it holds, operators cannot sign in to the console
//!   either; the JSON admin API (bearer key) and the CLI are not affected.
//!
//! A successful sign-in is not counted. Memory is bounded: an address is recorded only with a
//! counted failure, every failure also counts globally, and expired windows are dropped, so at
//! most [`GLOBAL`] addresses are held at once.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::session::Clock;

/// How long a window of counted failures lasts.
pub(crate) const WINDOW: Duration = Duration::from_secs(15 * 60);

/// Failed sign-ins one address may make in a window.
pub(crate) const PER_ADDRESS: u32 = 5;

/// Failed sign-ins all addresses together may make in a window.
pub(crate) const GLOBAL: u32 = 50;

/// Whose failures a client's sign-in counts against: an IPv4 address, or an IPv6 `/64`.
/// `None` when the server was started without peer addresses (then only the global cap holds).
pub(crate) type Client = Option<IpAddr>;

/// A fixed window: when it started and how many failures it counted.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: Instant,
    failures: u32,
}

impl Window {
    /// The time left before this window ends, when it is live at `now` and full at `cap`.
    fn blocks(&self, now: Instant, cap: u32) -> Option<Duration> {
        let end = self.start + WINDOW;
        (self.failures >= cap && now < end).then(|| end - now)
    }

    /// Counts one failure at `now`, opening a new window when this one has ended.
    fn count(&mut self, now: Instant) {
        if now >= self.start + WINDOW {
            *self = Window {
                start: now,
                failures: 0,
            };
        }
        self.failures += 1;
    }
}

#[derive(Debug, Default)]
struct Counts {
    global: Option<Window>,
    by_client: HashMap<IpAddr, Window>,
}

/// The sign-in limiter.
pub(crate) struct SignInLimiter {
    counts: Mutex<Counts>,
    clock: Clock,
}

impl std::fmt::Debug for SignInLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInLimiter").finish_non_exhaustive()
    }
}

/// Sign-ins are refused for this long (the `Retry-After`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limited(pub(crate) Duration);

impl SignInLimiter {
    /// A limiter timed by `clock`.
    pub(crate) fn new(clock: Clock) -> Self {
        SignInLimiter {
            counts: Mutex::new(Counts::default()),
            clock,
        }
    }

    /// Whether `client` may try a key now; asked before the key is checked.
    ///
    /// # Errors
    /// [`Limited`] with the time left when the client's or the global window is full.
    pub(crate) fn check(&self, client: Client) -> Result<(), Limited> {
        let now = (self.clock)();
        let counts = self.lock();
        let own = client
            .and_then(|c| counts.by_client.get(&c))
            .and_then(|w| w.blocks(now, PER_ADDRESS));
        let global = counts.global.and_then(|w| w.blocks(now, GLOBAL));
        match own.into_iter().chain(global).max() {
            Some(left) => Err(Limited(left)),
            None => Ok(()),
        }
    }

    /// Counts a failed sign-in by `client`.
    pub(crate) fn failed(&self, client: Client) {
        let now = (self.clock)();
        let mut counts = self.lock();
        counts
            .global
            .get_or_insert(Window {
                start: now,
                failures: 0,
            })
            .count(now);
        counts.by_client.retain(|_, w| now < w.start + WINDOW);
        if let Some(c) = client {
            counts
                .by_client
                .entry(c)
                .or_insert(Window {
                    start: now,
                    failures: 0,
                })
                .count(now);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Counts> {
        // A panic while holding the lock leaves counts that are still consistent.
        self.counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The key `peer` counts under: IPv4 as is (IPv4-mapped IPv6 included), IPv6 by its `/64`.
pub(crate) fn client_of(peer: IpAddr) -> IpAddr {
    match peer {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(prefix.into())
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn manual() -> (Arc<Mutex<Instant>>, SignInLimiter) {
        let now = Arc::new(Mutex::new(Instant::now()));
        let read = now.clone();
        (
            now,
            SignInLimiter::new(Arc::new(move || *read.lock().unwrap())),
        )
    }

    fn ip(text: &str) -> Client {
        Some(client_of(text.parse().unwrap()))
    }

    #[test]
    fn an_address_is_limited_after_its_failures_until_the_window_ends() {
        let (now, limiter) = manual();
        for _ in 0..PER_ADDRESS {
            assert_eq!(limiter.check(ip("10.0.0.1")), Ok(()));
            limiter.failed(ip("10.0.0.1"));
        }
        assert_eq!(limiter.check(ip("10.0.0.1")), Err(Limited(WINDOW)));
        assert_eq!(limiter.check(ip("10.0.0.2")), Ok(()));
        *now.lock().unwrap() += WINDOW - Duration::from_secs(1);
        assert_eq!(
            limiter.check(ip("10.0.0.1")),
            Err(Limited(Duration::from_secs(1)))
        );
        *now.lock().unwrap() += Duration::from_secs(1);
        assert_eq!(limiter.check(ip("10.0.0.1")), Ok(()));
    }

    #[test]
    fn ipv6_addresses_of_one_64_share_a_budget() {
        let (_, limiter) = manual();
        for i in 0..PER_ADDRESS {
            limiter.failed(ip(&format!("2001:db8::{i}")));
        }
        assert!(limiter.check(ip("2001:db8::ffff:1")).is_err());
        assert_eq!(limiter.check(ip("2001:db8:0:1::1")), Ok(()));
        assert_eq!(ip("::ffff:10.0.0.1"), ip("10.0.0.1"));
    }

    #[test]
    fn the_global_cap_holds_for_every_address_and_the_map_stays_bounded() {
        let (now, limiter) = manual();
        for i in 0..GLOBAL {
            limiter.failed(ip(&format!("10.1.{}.{}", i / 250, i % 250)));
        }
        assert!(limiter.check(ip("10.9.9.9")).is_err());
        assert!(limiter.check(None).is_err());
        *now.lock().unwrap() += WINDOW;
        assert_eq!(limiter.check(ip("10.9.9.9")), Ok(()));
        limiter.failed(ip("10.9.9.9"));
        assert_eq!(limiter.lock().by_client.len(), 1);
    }
}
