//! Requeue delays after failed reconciles: 5 s, doubled per consecutive failure of the same notebook, at most 5 min.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// The delay after a first failure.
pub const FIRST: Duration = Duration::from_secs(5);
/// The longest delay.
pub const MAX: Duration = Duration::from_secs(300);

/// The delay after `failures` consecutive failures (at least one).
pub fn delay(failures: u32) -> Duration {
    let factor = 2u32.saturating_pow(failures.saturating_sub(1));
    FIRST.saturating_mul(factor).min(MAX)
}

/// Consecutive failures per notebook (`namespace/name`), forgotten on its next success.
#[derive(Debug, Default)]
pub struct Backoff {
    failures: Mutex<HashMap<String, u32>>,
}

impl Backoff {
    /// Count a failure of `key`; the delay before its next attempt.
    pub fn failed(&self, key: &str) -> Duration {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let count = failures.entry(key.to_owned()).or_default();
        *count = count.saturating_add(1);
        delay(*count)
    }

    /// Forget the failures of `key`.
    pub fn succeeded(&self, key: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_maximum() {
        let secs: Vec<u64> = (1..=9).map(|n| delay(n).as_secs()).collect();
        assert_eq!(secs, [5, 10, 20, 40, 80, 160, 300, 300, 300]);
        assert_eq!(delay(u32::MAX), MAX);
    }

    #[test]
    fn counts_per_notebook_until_a_success() {
        let backoff = Backoff::default();
        assert_eq!(backoff.failed("ns/a"), Duration::from_secs(5));
        assert_eq!(backoff.failed("ns/a"), Duration::from_secs(10));
        assert_eq!(backoff.failed("ns/b"), Duration::from_secs(5));
        backoff.succeeded("ns/a");
        assert_eq!(backoff.failed("ns/a"), Duration::from_secs(5));
    }
}
