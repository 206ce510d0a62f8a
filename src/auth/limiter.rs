//! Failure limits that hold under parallel guessing: passwords, TOTP and recovery
//! codes, set-password links (and any other secret a user types).
//!
//! Reading a counter, verifying, then counting the failure lets a burst of
//! parallel guesses all read the same count and all be verified. Here an attempt
//! is counted first, with one atomic increment per bucket in the shared store, and
//! refused when that takes any bucket over its limit; only then is the guess
//! verified. A guess that turns out right (or is never verified) is taken back, so
//! only failures count. At any moment at most `max` attempts per
//! bucket are admitted and not taken back, however many arrive at once.

use std::net::IpAddr;
use std::time::Duration;

use crate::store::{Counter, Store, StoreError};

/// The window every failure counter lives for, from its first failure.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// One counter and its limit: at most `max` failures per window.
#[derive(Debug, Clone)]
pub struct Bucket {
    key: String,
    max: u64,
    window: Duration,
}

impl Bucket {
    /// `kind` names what is limited, `subject` who: no secret goes in either.
    pub fn new(kind: &str, subject: &str, max: u64) -> Self {
        Self {
            key: format!("limit:{kind}:{subject}"),
            max,
            window: FAILURE_WINDOW,
        }
    }

    /// A counter over `window` instead of the failure window: for requests that
    /// are limited whether or not they succeed (a reset mail, a sign-up).
    pub fn per(kind: &str, subject: &str, max: u64, window: Duration) -> Self {
        Self {
            window,
            ..Self::new(kind, subject, max)
        }
    }

    /// The failures of one client address, shared by every kind of guess. IPv6
    /// counts per /64: one host commonly holds a whole /64. An unknown address
    /// has a bucket of its own, not a free pass.
    pub fn address(ip: Option<IpAddr>, max: u64) -> Self {
        Self::new("addr", &address_subject(ip), max)
    }
}

/// How a client address is named in a bucket: IPv6 per /64, an unknown address
/// as `unknown`.
pub fn address_subject(ip: Option<IpAddr>) -> String {
    match ip.map(|i| i.to_canonical()) {
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        None => "unknown".to_owned(),
    }
}

/// An admitted attempt: it counts as a failure unless taken back.
#[must_use = "an attempt is either taken back or left to count as a failure"]
#[derive(Debug)]
pub struct Attempt {
    store: Store,
    keys: Vec<String>,
    /// Per bucket, in the order given: this attempt took it to its limit.
    fills: Vec<bool>,
}

impl Attempt {
    /// Whether this attempt took bucket `index` (in the order given to
    /// [`admit`]) to its limit: once it fails, that bucket refuses until its
    /// window closes. Of parallel attempts, one at most sees this.
    pub fn fills(&self, index: usize) -> bool {
        self.fills.get(index).copied().unwrap_or(false)
    }

    /// The guess was right, or was never checked: it does not count.
    pub async fn take_back(self) -> Result<(), StoreError> {
        take_back(&self.store, &self.keys).await
    }

    /// The guess was wrong: it stays counted until its window closes.
    pub fn failed(self) {}
}

async fn take_back(store: &Store, keys: &[String]) -> Result<(), StoreError> {
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    store.decr_all(&keys).await
}

/// Counts an attempt in every bucket; None (and nothing counted) when any bucket
/// is already full. A store failure is an error: no check runs unlimited.
/// With Redis every bucket is counted in one atomic step. For a check of a
/// signed-in user (a second factor, the account page): its new counters may
/// take room anywhere in the store.
pub async fn admit(store: &Store, buckets: &[Bucket]) -> Result<Option<Attempt>, StoreError> {
    admit_in(store, buckets, false).await
}

/// As [`admit`], for what anyone may try without signing in (a password, a
/// reset or sign-up request, a link): new counters take room only from the
/// embedded store's anonymous share, so a flood of them leaves room for
/// signed-in users.
pub async fn admit_anonymous(
    store: &Store,
    buckets: &[Bucket],
) -> Result<Option<Attempt>, StoreError> {
    admit_in(store, buckets, true).await
}

async fn admit_in(
    store: &Store,
    buckets: &[Bucket],
    anonymous: bool,
) -> Result<Option<Attempt>, StoreError> {
    let counters: Vec<Counter<'_>> = buckets
        .iter()
        .map(|b| Counter {
            key: &b.key,
            window: b.window,
            max: b.max,
        })
        .collect();
    // A bucket over its limit takes this attempt back from the buckets before
    // it and never touches those after: refused, it is not a failure, and must
    // not hold a place that a later, verified attempt would need.
    let counted = if anonymous {
        store.incr_within_anonymous(&counters).await?
    } else {
        store.incr_within(&counters).await?
    };
    let Ok(values) = counted else {
        return Ok(None);
    };
    Ok(Some(Attempt {
        store: store.clone(),
        fills: buckets
            .iter()
            .zip(&values)
            .map(|(b, n)| *n == b.max)
            .collect(),
        keys: buckets.iter().map(|b| b.key.clone()).collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(max: u64) -> Bucket {
        Bucket::new("test", "alice", max)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_parallel_burst_admits_at_most_the_limit() {
        let store = Store::memory();
        let tasks: Vec<_> = (0..64)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move { admit(&store, &[bucket(5)]).await.unwrap() })
            })
            .collect();
        let mut admitted = 0;
        for t in tasks {
            if let Some(a) = t.await.unwrap() {
                admitted += 1;
                a.failed();
            }
        }
        assert_eq!(admitted, 5);
        assert!(admit(&store, &[bucket(5)]).await.unwrap().is_none());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_attempt_of_a_burst_is_told_it_fills_the_bucket() {
        let store = Store::memory();
        let other = Bucket::new("test", "roomy", 100);
        let tasks: Vec<_> = (0..64)
            .map(|_| {
                let (store, other) = (store.clone(), other.clone());
                tokio::spawn(async move { admit(&store, &[bucket(5), other]).await.unwrap() })
            })
            .collect();
        let mut filled = 0;
        for t in tasks {
            if let Some(a) = t.await.unwrap() {
                assert!(!a.fills(1), "the roomy bucket is far from its limit");
                filled += usize::from(a.fills(0));
                a.failed();
            }
        }
        assert_eq!(filled, 1);
    }

    #[tokio::test]
    async fn successes_are_taken_back_and_never_lock() {
        let store = Store::memory();
        for _ in 0..20 {
            let a = admit(&store, &[bucket(3)]).await.unwrap().unwrap();
            a.take_back().await.unwrap();
        }
        for _ in 0..3 {
            admit(&store, &[bucket(3)]).await.unwrap().unwrap().failed();
        }
        assert!(admit(&store, &[bucket(3)]).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_full_bucket_leaves_the_others_untouched() {
        let store = Store::memory();
        let full = Bucket::new("test", "full", 1);
        admit(&store, std::slice::from_ref(&full))
            .await
            .unwrap()
            .unwrap()
            .failed();
        let other = Bucket::new("test", "other", 1);
        for _ in 0..3 {
            assert!(
                admit(&store, &[other.clone(), full.clone()])
                    .await
                    .unwrap()
                    .is_none()
            );
        }
        // The refusals did not use up `other`.
        admit(&store, &[other]).await.unwrap().unwrap().failed();
    }

    #[test]
    fn addresses_share_a_bucket_per_ipv6_64_and_unknown_has_its_own() {
        let key = |s: Option<&str>| Bucket::address(s.map(|s| s.parse().unwrap()), 1).key;
        assert_eq!(
            key(Some("2001:db8:1:2::1")),
            key(Some("2001:db8:1:2:ffff::9"))
        );
        assert_ne!(key(Some("2001:db8:1:2::1")), key(Some("2001:db8:1:3::1")));
        assert_eq!(key(Some("::ffff:192.0.2.1")), key(Some("192.0.2.1")));
        assert_eq!(key(None), "limit:addr:unknown");
    }
}
