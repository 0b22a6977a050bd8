//! Leader election with a `coordination.k8s.io/v1` Lease, so two replicas are safe: only the holder reconciles.
//! A replica takes the lease when there is none, when it is free, or when its record has not changed for the
//! lease's duration as this replica's own monotonic clock measures it (clocks of different nodes are never
//! compared); the holder renews it every [`RETRY`]; every write carries the `resourceVersion` it read, so of two
//! replicas racing for the lease one wins and the other gets a conflict. A holder that cannot renew for
//! [`RENEW_DEADLINE`] (shorter than the lease) or that finds another holder steps down: it stops reconciling
//! before any other replica may take over. The decision ([`decide`], [`still_leading`]) is pure; [`Elector`] only
//! reads and writes the Lease.

use super::error::{Error, Result};
use super::run::log;
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, PostParams};
use kube::{Client, ResourceExt};
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// Name of the controller's Lease (in the controller's namespace).
pub const LEASE_NAME: &str = "jupyflux-controller";
/// How long a lease holds without renewal.
pub const LEASE_DURATION: Duration = Duration::from_secs(15);
/// How long a holder keeps leading without a successful renewal.
pub const RENEW_DEADLINE: Duration = Duration::from_secs(10);
/// The pause between attempts to take or renew the lease.
pub const RETRY: Duration = Duration::from_secs(2);

/// What a Lease says, as far as the election cares.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Record {
    /// The holder, if any (empty counts as none).
    pub holder: Option<String>,
    /// Seconds the holder's claim lasts after its last renewal.
    pub duration: Option<i32>,
    /// The last renewal, as written (compared for change only, never with a local clock).
    pub renewed: Option<String>,
    /// How often the lease changed hands.
    pub transitions: i32,
}

impl Record {
    /// The record of `lease`.
    pub fn of(lease: &Lease) -> Record {
        let spec = lease.spec.clone().unwrap_or_default();
        Record {
            holder: spec.holder_identity.filter(|h| !h.is_empty()),
            duration: spec.lease_duration_seconds,
            renewed: spec.renew_time.map(|t| t.0.to_string()),
            transitions: spec.lease_transitions.unwrap_or_default(),
        }
    }
}

/// What to do with the lease now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// There is none: create it, held by this replica.
    Create,
    /// This replica holds it: renew it.
    Renew,
    /// It is free, or its holder stopped renewing: take it over.
    TakeOver,
    /// Another replica holds it: wait.
    Follow,
}

/// The step for replica `me`, given the lease's record and how long that record has been unchanged (by this
/// replica's clock).
pub fn decide(record: Option<&Record>, me: &str, unchanged_for: Duration) -> Step {
    let Some(record) = record else {
        return Step::Create;
    };
    let duration = record
        .duration
        .and_then(|d| u64::try_from(d).ok())
        .map_or(LEASE_DURATION, Duration::from_secs);
    match record.holder.as_deref() {
        Some(holder) if holder == me => Step::Renew,
        None => Step::TakeOver,
        Some(_) if unchanged_for >= duration => Step::TakeOver,
        Some(_) => Step::Follow,
    }
}

/// Whether a holder whose last successful renewal was at `renewed` still leads at `now`.
pub fn still_leading(renewed: Instant, now: Instant) -> bool {
    now.saturating_duration_since(renewed) < RENEW_DEADLINE
}

/// One replica's side of the election.
pub struct Elector {
    api: Api<Lease>,
    identity: String,
    /// The record last read and when it was first seen as it is.
    observed: Option<(Record, Instant)>,
}

impl Elector {
    /// The elector of replica `identity` for the Lease in `namespace`.
    pub fn new(client: Client, namespace: &str, identity: &str) -> Self {
        Elector {
            api: Api::namespaced(client, namespace),
            identity: identity.to_owned(),
            observed: None,
        }
    }

    /// The lease as this replica holds it from now: renewed now, taken over when `acquired`.
    fn held(&self, mut lease: Lease, acquired: bool) -> Lease {
        let now = MicroTime(Timestamp::now());
        let spec = lease.spec.get_or_insert_with(LeaseSpec::default);
        if acquired {
            let changed_hands = spec.holder_identity.as_deref() != Some(self.identity.as_str());
            if changed_hands && spec.holder_identity.is_some() {
                spec.lease_transitions = Some(spec.lease_transitions.unwrap_or_default() + 1);
            }
            spec.holder_identity = Some(self.identity.clone());
            spec.acquire_time = Some(now.clone());
        }
        spec.lease_duration_seconds = Some(LEASE_DURATION.as_secs() as i32);
        spec.renew_time = Some(now);
        lease
    }

    /// One round: read the lease and create, renew or take it over as [`decide`] says. `Ok(true)` when this
    /// replica holds it afterwards; a write that lost a race (409) is `Ok(false)`.
    pub async fn try_acquire_or_renew(&mut self, now: Instant) -> Result<bool> {
        let lease = self.api.get_opt(LEASE_NAME).await?;
        let record = lease.as_ref().map(Record::of);
        let since = match (&self.observed, &record) {
            (Some((seen, since)), Some(record)) if seen == record => *since,
            _ => now,
        };
        self.observed = record.clone().map(|r| (r, since));
        let step = decide(
            record.as_ref(),
            &self.identity,
            now.saturating_duration_since(since),
        );
        let written = match (step, lease) {
            (Step::Follow, _) => return Ok(false),
            (Step::Create, _) => {
                let fresh = Lease {
                    metadata: ObjectMeta {
                        name: Some(LEASE_NAME.to_owned()),
                        ..ObjectMeta::default()
                    },
                    spec: Some(LeaseSpec::default()),
                };
                let lease = self.held(fresh, true);
                self.api.create(&PostParams::default(), &lease).await
            }
            (step, Some(lease)) => {
                let lease = self.held(lease, step == Step::TakeOver);
                self.api
                    .replace(LEASE_NAME, &PostParams::default(), &lease)
                    .await
            }
            (_, None) => return Ok(false),
        };
        match written {
            Ok(lease) => {
                self.observed = Some((Record::of(&lease), now));
                Ok(true)
            }
            Err(kube::Error::Api(status)) if status.code == 409 => Ok(false),
            Err(error) => Err(Error::Kube(error)),
        }
    }

    /// Give the lease up (on a graceful stop) so another replica takes over at once, if this one holds it.
    pub async fn release(&mut self) -> Result<()> {
        let Some(mut lease) = self.api.get_opt(LEASE_NAME).await? else {
            return Ok(());
        };
        let spec = lease.spec.get_or_insert_with(LeaseSpec::default);
        if spec.holder_identity.as_deref() != Some(self.identity.as_str()) {
            return Ok(());
        }
        spec.holder_identity = None;
        spec.acquire_time = None;
        spec.renew_time = None;
        let name = lease.name_any();
        self.api
            .replace(&name, &PostParams::default(), &lease)
            .await?;
        Ok(())
    }
}

/// Take part in the election until `stop` turns true or leadership is lost: try to take or renew the lease
/// every [`RETRY`] and say in `leading` whether this replica leads. A holder that finds another holder, or that
/// has not renewed for [`RENEW_DEADLINE`], sets `leading` to false and returns (it must stop reconciling); on
/// `stop` a holder releases the lease so another replica takes over without waiting for it to expire.
pub async fn lead(
    mut elector: Elector,
    leading: watch::Sender<bool>,
    mut stop: watch::Receiver<bool>,
) {
    let mut renewed: Option<Instant> = None;
    loop {
        let now = Instant::now();
        match elector.try_acquire_or_renew(now).await {
            Ok(true) => {
                if renewed.is_none() {
                    log(format_args!("leading: holding the Lease {LEASE_NAME}"));
                }
                renewed = Some(now);
                leading.send_replace(true);
            }
            Ok(false) if renewed.is_some() => {
                log(format_args!(
                    "lost the Lease {LEASE_NAME} to another replica; stepping down"
                ));
                leading.send_replace(false);
                return;
            }
            Ok(false) => {}
            Err(error) => {
                log(format_args!(
                    "cannot take or renew the Lease {LEASE_NAME}: {error}"
                ));
                if renewed.is_some_and(|at| !still_leading(at, Instant::now())) {
                    log("the Lease was not renewed in time; stepping down");
                    leading.send_replace(false);
                    return;
                }
            }
        }
        // A dropped sender counts as a stop: the run is over.
        let stopping = async {
            let _ = stop.wait_for(|stopped| *stopped).await;
        };
        let stop_now = tokio::select! {
            () = tokio::time::sleep(RETRY) => false,
            () = stopping => true,
        };
        if stop_now {
            if renewed.is_some()
                && let Err(error) = elector.release().await
            {
                log(format_args!(
                    "cannot release the Lease {LEASE_NAME}: {error}"
                ));
            }
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held_by(holder: &str) -> Record {
        Record {
            holder: Some(holder.into()),
            duration: Some(15),
            renewed: Some("2026-01-01T00:00:00Z".into()),
            transitions: 0,
        }
    }

    #[test]
    fn a_missing_or_free_lease_is_taken() {
        assert_eq!(decide(None, "a", Duration::ZERO), Step::Create);
        let free = Record {
            holder: None,
            ..held_by("b")
        };
        assert_eq!(decide(Some(&free), "a", Duration::ZERO), Step::TakeOver);
    }

    #[test]
    fn a_held_lease_is_renewed_by_its_holder_and_waited_for_by_others() {
        assert_eq!(
            decide(Some(&held_by("a")), "a", Duration::ZERO),
            Step::Renew
        );
        // Even when this replica's view is old: it still holds it (the write's resourceVersion decides).
        assert_eq!(
            decide(Some(&held_by("a")), "a", Duration::from_secs(60)),
            Step::Renew
        );
        assert_eq!(
            decide(Some(&held_by("b")), "a", Duration::from_secs(14)),
            Step::Follow
        );
    }

    #[test]
    fn an_unrenewed_lease_is_taken_over_after_its_duration() {
        assert_eq!(
            decide(Some(&held_by("b")), "a", Duration::from_secs(15)),
            Step::TakeOver
        );
        let long = Record {
            duration: Some(60),
            ..held_by("b")
        };
        assert_eq!(
            decide(Some(&long), "a", Duration::from_secs(30)),
            Step::Follow
        );
        let unset = Record {
            duration: None,
            ..held_by("b")
        };
        assert_eq!(decide(Some(&unset), "a", LEASE_DURATION), Step::TakeOver);
    }

    #[test]
    fn a_holder_steps_down_before_another_may_take_over() {
        let renewed = Instant::now();
        assert!(still_leading(renewed, renewed + Duration::from_secs(9)));
        assert!(!still_leading(renewed, renewed + RENEW_DEADLINE));
        assert!(RENEW_DEADLINE < LEASE_DURATION);
    }
}
