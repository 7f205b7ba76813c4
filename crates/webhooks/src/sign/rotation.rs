//! Key rotation: a current key plus retired keys that stay valid until a set time.

use std::time::SystemTime;

/// Most retired keys a ring holds at once (the limit Svix uses); prune expired keys to make room.
pub const MAX_RETIRED_KEYS: usize = 10;

/// Why a rotation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RotationError {
    /// The ring already holds [`MAX_RETIRED_KEYS`] retired keys that have not expired.
    #[error("key ring already holds {max} retired keys; prune expired keys before rotating again")]
    TooManyKeys {
        /// The limit.
        max: usize,
    },
}

#[derive(Debug, Clone)]
struct Retired<K> {
    key: K,
    valid_until: SystemTime,
}

/// A current key and retired keys with an expiry, for zero-downtime rotation.
///
/// Senders sign with every key active at the message's timestamp; receivers accept a signature
/// from any key active at `now`. A retired key is active while `now < valid_until`.
/// Index 0 is the current key; retired keys follow, most recently retired first.
#[derive(Debug, Clone)]
pub struct KeyRing<K> {
    current: K,
    retired: Vec<Retired<K>>,
}

impl<K> KeyRing<K> {
    /// A ring with a single, current key.
    pub fn new(current: K) -> Self {
        Self {
            current,
            retired: Vec::new(),
        }
    }

    /// Makes `new_key` current; the previous current key stays valid until `old_valid_until`.
    ///
    /// Refused, leaving the ring unchanged, when it already holds [`MAX_RETIRED_KEYS`] retired
    /// keys; call [`KeyRing::prune`] first.
    pub fn rotate(&mut self, new_key: K, old_valid_until: SystemTime) -> Result<(), RotationError> {
        if self.retired.len() >= MAX_RETIRED_KEYS {
            return Err(RotationError::TooManyKeys {
                max: MAX_RETIRED_KEYS,
            });
        }
        let old = std::mem::replace(&mut self.current, new_key);
        self.retired.insert(
            0,
            Retired {
                key: old,
                valid_until: old_valid_until,
            },
        );
        Ok(())
    }

    /// Adds a retired key that stays valid until `valid_until`, for rebuilding a ring from storage.
    pub fn with_retired(mut self, key: K, valid_until: SystemTime) -> Result<Self, RotationError> {
        if self.retired.len() >= MAX_RETIRED_KEYS {
            return Err(RotationError::TooManyKeys {
                max: MAX_RETIRED_KEYS,
            });
        }
        self.retired.push(Retired { key, valid_until });
        Ok(self)
    }

    /// Drops retired keys that have expired at `now`; returns how many were dropped.
    pub fn prune(&mut self, now: SystemTime) -> usize {
        let before = self.retired.len();
        self.retired.retain(|r| now < r.valid_until);
        before - self.retired.len()
    }

    /// The current key.
    pub fn current(&self) -> &K {
        &self.current
    }

    /// Every key with its expiry (`None` for the current key), in ring order.
    pub fn keys(&self) -> impl Iterator<Item = (&K, Option<SystemTime>)> {
        std::iter::once((&self.current, None))
            .chain(self.retired.iter().map(|r| (&r.key, Some(r.valid_until))))
    }

    /// Keys active at `now`, with their ring index.
    pub fn active(&self, now: SystemTime) -> impl Iterator<Item = (usize, &K)> {
        std::iter::once((0, &self.current)).chain(
            self.retired
                .iter()
                .enumerate()
                .filter(move |(_, r)| now < r.valid_until)
                .map(|(i, r)| (i + 1, &r.key)),
        )
    }

    /// Number of keys, current and retired (expired or not).
    pub fn len(&self) -> usize {
        1 + self.retired.len()
    }

    /// Always false: a ring always has a current key.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Converts every key, keeping expiries; used to turn signing keys into verifying keys.
    pub fn map<L>(&self, mut f: impl FnMut(&K) -> L) -> KeyRing<L> {
        KeyRing {
            current: f(&self.current),
            retired: self
                .retired
                .iter()
                .map(|r| Retired {
                    key: f(&r.key),
                    valid_until: r.valid_until,
                })
                .collect(),
        }
    }
}

impl<K> From<K> for KeyRing<K> {
    fn from(key: K) -> Self {
        Self::new(key)
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn retired_keys_expire_at_their_time() {
        let mut ring = KeyRing::new("a");
        ring.rotate("b", at(100)).unwrap();
        let active: Vec<_> = ring.active(at(99)).collect();
        assert_eq!(active, vec![(0, &"b"), (1, &"a")]);
        let active: Vec<_> = ring.active(at(100)).collect();
        assert_eq!(active, vec![(0, &"b")]);
        assert_eq!(ring.prune(at(100)), 1);
        assert_eq!(ring.len(), 1);
    }

    #[test]
    fn rotation_is_bounded() {
        let mut ring = KeyRing::new(0);
        for i in 1..=MAX_RETIRED_KEYS {
            ring.rotate(i, at(1000)).unwrap();
        }
        assert_eq!(
            ring.rotate(99, at(1000)),
            Err(RotationError::TooManyKeys {
                max: MAX_RETIRED_KEYS
            })
        );
        assert_eq!(*ring.current(), MAX_RETIRED_KEYS);
        ring.prune(at(1000));
        ring.rotate(99, at(2000)).unwrap();
    }
}
