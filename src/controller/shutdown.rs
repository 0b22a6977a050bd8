//! Stopping on SIGTERM or SIGINT within a bounded time. kube-rs's own `shutdown_on_signal` waits for the
//! controller's stream to drain, which never happens while the notebook list keeps failing (its runner waits for
//! a first successful list before it looks at its queue again), so SIGTERM was ignored until the kubelet's
//! SIGKILL. Here the first signal starts a graceful stop (no new reconciles, running ones finish) bounded by
//! [`GRACE`]; a second signal or the end of the grace stops at once.

use std::future::Future;
use std::time::Duration;
use tokio::sync::watch;

/// How long running reconciles may take to finish after the first signal: well inside Kubernetes' default
/// `terminationGracePeriodSeconds` of 30 s.
pub const GRACE: Duration = Duration::from_secs(10);

/// How the controller stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stopped {
    /// The work ended by itself (its graceful stop completed).
    Finished,
    /// The grace period after the first signal ran out.
    GraceOver,
    /// A second signal came.
    Forced,
}

/// The number of stop signals received so far.
pub type Signals = watch::Receiver<u32>;

/// Count SIGTERM and SIGINT from now on.
pub fn listen() -> std::io::Result<Signals> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let (sender, receiver) = watch::channel(0);
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = term.recv() => {}
                _ = interrupt.recv() => {}
            }
            sender.send_modify(|count| *count += 1);
        }
    });
    Ok(receiver)
}

/// Resolves once `count` signals have come (never, if the sender is gone first).
pub async fn signalled(mut signals: Signals, count: u32) {
    if signals.wait_for(|n| *n >= count).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Run `work` (which stops gracefully on the first signal by itself) until it ends, or until [`GRACE`] after the
/// first signal, or the second signal, whichever comes first.
pub async fn run_until_stopped(
    work: impl Future<Output = ()>,
    signals: Signals,
    grace: Duration,
) -> Stopped {
    let deadline = async {
        signalled(signals.clone(), 1).await;
        tokio::select! {
            () = tokio::time::sleep(grace) => Stopped::GraceOver,
            () = signalled(signals.clone(), 2) => Stopped::Forced,
        }
    };
    tokio::select! {
        () = work => Stopped::Finished,
        stopped = deadline => stopped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_hung_controller_stops_when_the_grace_is_over() {
        let (sender, signals) = watch::channel(0);
        let stop = tokio::spawn(run_until_stopped(std::future::pending(), signals, GRACE));
        tokio::time::sleep(Duration::from_secs(3600)).await;
        assert!(!stop.is_finished(), "stopped without a signal");
        sender.send_modify(|n| *n += 1);
        assert_eq!(stop.await.unwrap(), Stopped::GraceOver);
    }

    #[tokio::test(start_paused = true)]
    async fn a_second_signal_forces_the_stop() {
        let (sender, signals) = watch::channel(0);
        let stop = tokio::spawn(run_until_stopped(
            std::future::pending(),
            signals,
            Duration::from_secs(3600),
        ));
        sender.send_modify(|n| *n += 1);
        tokio::time::sleep(Duration::from_secs(1)).await;
        sender.send_modify(|n| *n += 1);
        assert_eq!(stop.await.unwrap(), Stopped::Forced);
    }

    #[tokio::test(start_paused = true)]
    async fn finished_work_ends_it() {
        let (_sender, signals) = watch::channel(0);
        let stopped = run_until_stopped(async {}, signals, GRACE).await;
        assert_eq!(stopped, Stopped::Finished);
    }
}
