//! Sign-in lockout (登录锁定): after [`MAX_FAILURES`] failed sign-ins for one
//! login within [`FAILURE_WINDOW`], that login is refused for
//! [`LOCKOUT`], whatever password is sent.
//!
//! The counters live in this process's memory. That is enough for one
//! server, but it has two known limits, accepted for now:
//! - with several `liuhen serve` processes behind a load balancer, each
//!   counts on its own, so a guesser gets up to five tries per process;
//! - a restart forgets every counter and lifts every lockout.
//!
//! Moving the counters into the metadata store fixes both.
//!
//! Attempts for one login are serialised: [`LoginThrottle::attempt`] hands
//! out the login's counter behind an async lock that is held until the
//! attempt's outcome is counted. Without it, a guesser could send many
//! passwords at once and have them all checked before the first failure
//! was counted.
//!
//! Logins are counted case-insensitively (the store's logins are
//! case-sensitive, so this only ever locks more, never less).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};
use tokio::time::Instant;

/// Failed sign-ins allowed within [`FAILURE_WINDOW`] before the lockout.
pub(crate) const MAX_FAILURES: usize = 5;
/// How far back failures count.
pub(crate) const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// How long a login stays locked.
pub(crate) const LOCKOUT: Duration = Duration::from_secs(15 * 60);

/// Above this many tracked logins, idle ones are forgotten, so that a
/// flood of made-up logins cannot grow the map without bound.
const PRUNE_ABOVE: usize = 4096;

/// Failure counters for every login that failed recently.
#[derive(Default)]
pub(crate) struct LoginThrottle {
    logins: Mutex<HashMap<String, Arc<AsyncMutex<LoginFailures>>>>,
}

impl LoginThrottle {
    /// Waits until no other attempt for `login` is in progress and returns
    /// this attempt's hold on its counter.
    pub(crate) async fn attempt(&self, login: &str) -> LoginAttempt {
        let key = login.trim().to_lowercase();
        let counter = {
            let mut logins = self.logins.lock().expect("the throttle lock is never poisoned");
            if logins.len() > PRUNE_ABOVE {
                let now = Instant::now();
                logins.retain(|_, counter| {
                    // A counter someone is waiting on or holding stays.
                    Arc::strong_count(counter) > 1 || counter.try_lock().map_or(true, |failures| !failures.is_idle(now))
                });
            }
            logins.entry(key).or_default().clone()
        };
        LoginAttempt { failures: counter.lock_owned().await }
    }
}

/// One sign-in attempt's exclusive hold on its login's counter.
pub(crate) struct LoginAttempt {
    failures: OwnedMutexGuard<LoginFailures>,
}

impl LoginAttempt {
    /// How much longer the login is locked, if it is.
    pub(crate) fn locked_for(&self, now: Instant) -> Option<Duration> {
        self.failures.locked_for(now)
    }

    /// Counts a failure; returns the lockout if this failure started one.
    pub(crate) fn record_failure(&mut self, now: Instant) -> Option<Duration> {
        self.failures.record_failure(now)
    }

    /// A successful sign-in forgets earlier failures.
    pub(crate) fn record_success(&mut self) {
        *self.failures = LoginFailures::default();
    }
}

/// The recent failures of one login and its lockout, if any.
#[derive(Default, Debug)]
pub(crate) struct LoginFailures {
    recent: VecDeque<Instant>,
    locked_until: Option<Instant>,
}

impl LoginFailures {
    fn locked_for(&self, now: Instant) -> Option<Duration> {
        self.locked_until.filter(|until| *until > now).map(|until| until - now)
    }

    fn record_failure(&mut self, now: Instant) -> Option<Duration> {
        self.forget_before(now);
        self.recent.push_back(now);
        if self.recent.len() < MAX_FAILURES {
            return None;
        }
        // The lockout starts afresh: the failures that caused it are spent,
        // so when it ends the login gets a full set of tries again.
        self.recent.clear();
        self.locked_until = Some(now + LOCKOUT);
        Some(LOCKOUT)
    }

    fn forget_before(&mut self, now: Instant) {
        while self.recent.front().is_some_and(|failed_at| now.duration_since(*failed_at) >= FAILURE_WINDOW) {
            self.recent.pop_front();
        }
        if self.locked_until.is_some_and(|until| until <= now) {
            self.locked_until = None;
        }
    }

    /// Nothing worth remembering: not locked and no failure in the window.
    fn is_idle(&self, now: Instant) -> bool {
        self.locked_for(now).is_none() && self.recent.back().is_none_or(|last| now.duration_since(*last) >= FAILURE_WINDOW)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn the_fifth_failure_within_fifteen_minutes_locks_for_fifteen_minutes() {
        let start = Instant::now();
        let mut failures = LoginFailures::default();
        for minute in 0..4 {
            assert_eq!(failures.record_failure(start + MINUTE * minute), None);
            assert_eq!(failures.locked_for(start + MINUTE * minute), None);
        }
        assert_eq!(failures.record_failure(start + MINUTE * 4), Some(LOCKOUT));
        assert_eq!(failures.locked_for(start + MINUTE * 5), Some(MINUTE * 14));
        assert_eq!(failures.locked_for(start + MINUTE * 19), None);
    }

    #[test]
    fn failures_older_than_the_window_do_not_count() {
        let start = Instant::now();
        let mut failures = LoginFailures::default();
        for minute in [0, 1, 5, 6] {
            failures.record_failure(start + MINUTE * minute);
        }
        // By minute 16 the first two are fifteen minutes old and no longer count.
        assert_eq!(failures.record_failure(start + MINUTE * 16), None);
        assert_eq!(failures.record_failure(start + MINUTE * 17), None);
        assert_eq!(failures.record_failure(start + MINUTE * 18), Some(LOCKOUT));
    }

    #[test]
    fn after_a_lockout_the_login_gets_a_full_set_of_tries() {
        let start = Instant::now();
        let mut failures = LoginFailures::default();
        for second in 0..5 {
            failures.record_failure(start + Duration::from_secs(second));
        }
        let after = start + LOCKOUT + MINUTE;
        assert_eq!(failures.locked_for(after), None);
        for second in 0..4 {
            assert_eq!(failures.record_failure(after + Duration::from_secs(second)), None);
        }
    }

    #[tokio::test]
    async fn logins_differing_only_in_case_share_a_counter_and_success_resets_it() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..4 {
            throttle.attempt("Zhang.Wei").await.record_failure(now);
        }
        let mut attempt = throttle.attempt(" zhang.wei").await;
        attempt.record_success();
        drop(attempt);
        for _ in 0..4 {
            assert_eq!(throttle.attempt("zhang.wei").await.record_failure(now), None);
        }
        assert!(throttle.attempt("ZHANG.WEI").await.record_failure(now).is_some());
        assert!(throttle.attempt("zhang.wei").await.locked_for(now).is_some());
    }
}
