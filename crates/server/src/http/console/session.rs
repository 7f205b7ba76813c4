//! Console sessions: the admin key is exchanged once, at sign-in, for a random session id kept
//! in an `HttpOnly` cookie; the server keeps each id with its CSRF token and expiry.
//!
//! Sessions live in this process's memory only: they do not survive a restart (the operator
//! signs in again) and are not shared between gateway nodes behind one load balancer (use
//! sticky sessions, or sign in on each node). The map is bounded: past [`MAX_SESSIONS`] the
//! session closest to expiry is dropped, so repeated sign-ins cannot grow memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ring::rand::{SecureRandom, SystemRandom};

/// How long a session lasts after sign-in.
pub(crate) const SESSION_LIFETIME: Duration = Duration::from_secs(8 * 3600);

/// Most sessions kept at once.
pub(crate) const MAX_SESSIONS: usize = 256;

/// The time source, injected so expiry can be tested without waiting.
pub(crate) type Clock = Arc<dyn Fn() -> Instant + Send + Sync>;

/// One signed-in browser.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Session {
    /// The token every state-changing form must carry.
    pub(crate) csrf: String,
    expires: Instant,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("csrf", &"[redacted]")
            .field("expires", &self.expires)
            .finish()
    }
}

/// The signed-in sessions, by id.
pub(crate) struct Sessions {
    map: Mutex<HashMap<String, Session>>,
    clock: Clock,
    lifetime: Duration,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions")
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

impl Default for Sessions {
    fn default() -> Self {
        Sessions::new(SESSION_LIFETIME, Arc::new(Instant::now))
    }
}

/// The system had no randomness to make an id (of a session or a job) with.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the system has no randomness for a fresh id")]
pub(crate) struct NoRandomness;

impl Sessions {
    /// Sessions lasting `lifetime`, timed by `clock`.
    pub(crate) fn new(lifetime: Duration, clock: Clock) -> Self {
        Sessions {
            map: Mutex::new(HashMap::new()),
            clock,
            lifetime,
        }
    }

    /// How long a new session lasts.
    pub(crate) fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// Opens a session: its id (for the cookie) and the session.
    ///
    /// # Errors
    /// [`NoRandomness`] when the system's random source fails.
    pub(crate) fn open(&self) -> Result<(String, Session), NoRandomness> {
        let id = random_id()?;
        let session = Session {
            csrf: random_id()?,
            expires: (self.clock)() + self.lifetime,
        };
        let now = (self.clock)();
        let mut map = self.lock();
        map.retain(|_, s| s.expires > now);
        if map.len() >= MAX_SESSIONS
            && let Some(oldest) = map
                .iter()
                .min_by_key(|(_, s)| s.expires)
                .map(|(k, _)| k.clone())
        {
            map.remove(&oldest);
        }
        map.insert(id.clone(), session.clone());
        Ok((id, session))
    }

    /// The live session with this id; an expired one is removed and not returned.
    pub(crate) fn get(&self, id: &str) -> Option<Session> {
        let now = (self.clock)();
        let mut map = self.lock();
        match map.get(id) {
            Some(s) if s.expires > now => Some(s.clone()),
            Some(_) => {
                map.remove(id);
                None
            }
            None => None,
        }
    }

    /// Ends a session (sign-out).
    pub(crate) fn close(&self, id: &str) {
        self.lock().remove(id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        // A panic while holding the lock leaves a map that is still consistent.
        self.map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A fresh random id: 32 bytes from the system's source, as 64 hex digits.
///
/// # Errors
/// [`NoRandomness`] when the system's random source fails.
pub(crate) fn random_id() -> Result<String, NoRandomness> {
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| NoRandomness)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Whether two strings are equal, in time independent of where they differ.
pub(crate) fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manual() -> (Arc<Mutex<Instant>>, Clock) {
        let now = Arc::new(Mutex::new(Instant::now()));
        let read = now.clone();
        (now, Arc::new(move || *read.lock().unwrap()))
    }

    #[test]
    fn a_session_is_found_until_it_expires() {
        let (now, clock) = manual();
        let sessions = Sessions::new(Duration::from_secs(60), clock);
        let (id, session) = sessions.open().unwrap();
        assert_eq!(id.len(), 64);
        assert_ne!(id, session.csrf);
        assert_eq!(sessions.get(&id), Some(session));
        *now.lock().unwrap() += Duration::from_secs(60);
        assert_eq!(sessions.get(&id), None);
    }

    #[test]
    fn a_closed_session_is_gone() {
        let sessions = Sessions::default();
        let (id, _) = sessions.open().unwrap();
        sessions.close(&id);
        assert!(sessions.get(&id).is_none());
        assert!(sessions.get("not-an-id").is_none());
    }

    #[test]
    fn the_map_is_bounded() {
        let sessions = Sessions::default();
        let (first, _) = sessions.open().unwrap();
        for _ in 0..MAX_SESSIONS {
            sessions.open().unwrap();
        }
        assert!(sessions.get(&first).is_none());
        assert_eq!(sessions.lock().len(), MAX_SESSIONS);
    }

    #[test]
    fn same_compares_whole_strings() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "abcd"));
    }
}
