//! Reconcile counters and a duration histogram, kept in atomics and rendered in the Prometheus text format.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds (seconds) of the duration histogram's buckets.
const BOUNDS: [f64; 9] = [0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// What `/metrics` reports.
#[derive(Debug, Default)]
pub struct Metrics {
    reconciles: AtomicU64,
    failures: AtomicU64,
    /// Reconciles that took at most `BOUNDS[i]` (cumulative, as Prometheus wants them).
    buckets: [AtomicU64; BOUNDS.len()],
    duration_micros: AtomicU64,
}

impl Metrics {
    /// Count a reconcile (successful or not) that took `took`.
    pub fn reconciled(&self, took: Duration) {
        self.reconciles.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.duration_micros.fetch_add(micros, Ordering::Relaxed);
        let seconds = took.as_secs_f64();
        for (bound, bucket) in BOUNDS.iter().zip(&self.buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Count a failed reconcile.
    pub fn failed(&self) {
        self.failures.fetch_add(1, Ordering::Relaxed);
    }

    /// Failed reconciles so far.
    pub fn failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let count = self.reconciles.load(Ordering::Relaxed);
        let mut text = String::new();
        let counter = |text: &mut String, name: &str, help: &str, value: u64| {
            let _ = writeln!(
                text,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
            );
        };
        counter(
            &mut text,
            "jupyflux_reconciles_total",
            "Notebook reconciles, successful or not.",
            count,
        );
        counter(
            &mut text,
            "jupyflux_reconcile_failures_total",
            "Notebook reconciles that failed and were requeued.",
            self.failures(),
        );
        let name = "jupyflux_reconcile_duration_seconds";
        let _ = writeln!(
            text,
            "# HELP {name} Time taken by a notebook reconcile.\n# TYPE {name} histogram"
        );
        for (bound, bucket) in BOUNDS.iter().zip(&self.buckets) {
            let _ = writeln!(
                text,
                "{name}_bucket{{le=\"{bound}\"}} {}",
                bucket.load(Ordering::Relaxed)
            );
        }
        let sum = self.duration_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(
            text,
            "{name}_bucket{{le=\"+Inf\"}} {count}\n{name}_sum {sum}\n{name}_count {count}"
        );
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_a_cumulative_histogram() {
        let metrics = Metrics::default();
        metrics.reconciled(Duration::from_millis(30));
        metrics.reconciled(Duration::from_millis(700));
        metrics.failed();
        let text = metrics.render();
        for line in [
            "# TYPE jupyflux_reconciles_total counter",
            "jupyflux_reconciles_total 2",
            "jupyflux_reconcile_failures_total 1",
            "# TYPE jupyflux_reconcile_duration_seconds histogram",
            "jupyflux_reconcile_duration_seconds_bucket{le=\"0.01\"} 0",
            "jupyflux_reconcile_duration_seconds_bucket{le=\"0.05\"} 1",
            "jupyflux_reconcile_duration_seconds_bucket{le=\"0.5\"} 1",
            "jupyflux_reconcile_duration_seconds_bucket{le=\"1\"} 2",
            "jupyflux_reconcile_duration_seconds_bucket{le=\"+Inf\"} 2",
            "jupyflux_reconcile_duration_seconds_sum 0.73",
            "jupyflux_reconcile_duration_seconds_count 2",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing `{line}` in\n{text}"
            );
        }
    }
}
