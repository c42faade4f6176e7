//! The background refresher: keeps the stored compliance findings (合规检查结果)
//! up to date without anyone asking, and after each refresh brings the
//! Object Lock of the vault's blobs up to what their retention needs.
//! Both run on a thread of their own ([`off_the_workers`]), so people's
//! requests come first.

use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use jiff::Timestamp;
use liuhen_compliance::ComplianceError;
use liuhen_core::id::MediaId;
use liuhen_core::mutation::action;
use liuhen_core::pack::PolicyPack;
use liuhen_ledger::Ledger;

use crate::AppState;

/// The ledger actor of background refreshes.
pub const REFRESHER_ACTOR: &str = "system:compliance";

/// How long the refresher waits after a change before it refreshes, so a
/// burst of changes (a case moved through three stages) costs one refresh.
const DEBOUNCE: Duration = Duration::from_secs(1);

/// The shortest interval between scheduled refreshes.
const MIN_INTERVAL: Duration = Duration::from_secs(1);

/// However quiet the server, the findings are refreshed at least this
/// often: a few deadlines pass without any event and without an upcoming
/// entry to wait for (a recheck due by a date).
const RESWEEP: Duration = Duration::from_secs(15 * 60);

/// Starts the background refresher when compliance is configured. It
/// refreshes the findings at once, about a second after
/// [`AppState::facts_changed`] was called (once for a burst), and, every
/// `refresh_interval`, when a refresh is due: something was written to
/// the ledger since the last one (by another process too, such as
/// `liuhen ingest` on the same store), an upcoming deadline has come,
/// [`RESWEEP`] has passed, or the last refresh failed. A refresh reads
/// every fact of the agency (seconds at a million AV records), so a quiet
/// server does not repeat one that would change nothing, and a busy one
/// waits as long as the last refresh took before the next. Failures are
/// logged and tried again at the next occasion; the task runs until it is
/// aborted or the runtime ends.
pub fn spawn_compliance_refresher(state: &AppState) -> Option<tokio::task::JoinHandle<()>> {
    let compliance = state.settings.compliance.clone()?;
    let ledger = state.ledger.clone();
    let vault = state.vault.clone();
    tracing::info!(pack = %compliance.pack.id, version = %compliance.pack.version, interval = ?compliance.refresh_interval, "keeping compliance findings up to date");
    Some(tokio::spawn(async move {
        let mut ticker = tokio::time::interval(compliance.refresh_interval.max(MIN_INTERVAL));
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last: Option<LastRefresh> = None;
        let mut locks = LockKeeper { object_lock: ObjectLock::Unknown, missing: MissingBlobs::default() };
        loop {
            // The first tick completes at once: the refresh at start.
            let asked = tokio::select! {
                _ = ticker.tick() => false,
                () = compliance.changed.notified() => {
                    tokio::time::sleep(DEBOUNCE).await;
                    // Changes reported during the pause are covered by this
                    // refresh; changes during the refresh bring another.
                    let _ = compliance.changed.notified().now_or_never();
                    true
                }
            };
            if !asked && !refresh_due(&ledger, last.as_ref()).await {
                continue;
            }
            let began = tokio::time::Instant::now();
            last = refresh_in_background(&ledger, &compliance.pack).await;
            keep_locks(&ledger, &vault, &compliance.pack, &mut locks).await;
            // However busy the agency, refreshing takes at most half the
            // time: one that took 30 s is not followed by another for 30 s.
            tokio::time::sleep(began.elapsed()).await;
        }
    }))
}

/// What the refresher remembers of its last successful refresh.
struct LastRefresh {
    /// The ledger's size when the refresh began to read: anything from
    /// there on may be news to it.
    ledger_size: u64,
    finished: tokio::time::Instant,
    /// The earliest deadline that had not yet come.
    next_due: Option<Timestamp>,
}

/// Whether a scheduled look should refresh (see [`spawn_compliance_refresher`]).
async fn refresh_due(ledger: &Ledger, last: Option<&LastRefresh>) -> bool {
    let Some(last) = last else { return true };
    if last.finished.elapsed() >= RESWEEP || last.next_due.is_some_and(|due| due <= Timestamp::now()) {
        return true;
    }
    match ledger.store().ledger_written_since(last.ledger_size, REFRESHER_ACTOR, &action::NOT_FACTS).await {
        Ok(written) => written,
        Err(error) => {
            tracing::warn!(%error, "cannot tell whether facts changed; refreshing the compliance findings to be safe");
            true
        }
    }
}

/// Refreshes off the runtime's workers; what to remember when that succeeded.
async fn refresh_in_background(ledger: &Arc<Ledger>, pack: &Arc<PolicyPack>) -> Option<LastRefresh> {
    let (ledger, pack) = (ledger.clone(), pack.clone());
    let began = std::time::Instant::now();
    // A thread of its own, so that even a panic costs one refresh, not the refresher.
    let refresh = off_the_workers(async move {
        let ledger_size = ledger.store().ledger_size().await?;
        let refresh = liuhen_compliance::refresh(&ledger, &pack, Timestamp::now(), REFRESHER_ACTOR).await?;
        Ok::<_, ComplianceError>((ledger_size, refresh))
    });
    match refresh.await {
        Some(Ok((ledger_size, refresh))) => {
            let took_ms = began.elapsed().as_millis();
            if refresh.raised.is_empty() && refresh.resolved.is_empty() {
                tracing::info!(open = refresh.open, took_ms, "compliance findings are up to date");
            } else {
                tracing::info!(
                    raised = refresh.raised.len(),
                    resolved = refresh.resolved.len(),
                    open = refresh.open,
                    took_ms,
                    "compliance findings refreshed"
                );
            }
            let next_due = refresh.upcoming.iter().map(|upcoming| upcoming.due).min();
            Some(LastRefresh { ledger_size, finished: tokio::time::Instant::now(), next_due })
        }
        Some(Err(error)) => {
            tracing::error!(%error, "the compliance refresh failed; it is tried again at the next occasion");
            None
        }
        None => {
            tracing::error!("the compliance refresh stopped unexpectedly; it is tried again at the next occasion");
            None
        }
    }
}

/// How often the same records without a blob are named again in the log,
/// when nothing else about them changed. They stay a problem until
/// `liuhen verify` has been run and the blobs restored, but a lock pass
/// follows every refresh, and a warning after each would bury the log.
const REMIND_MISSING: Duration = Duration::from_secs(60 * 60);

/// What the refresher remembers between lock passes.
struct LockKeeper {
    object_lock: ObjectLock,
    missing: MissingBlobs,
}

/// The records whose blob the bucket lacked at the last lock pass, and
/// when they were last named in the log.
#[derive(Default)]
struct MissingBlobs {
    named: Vec<MediaId>,
    at: Option<tokio::time::Instant>,
}

/// What the log should say about missing blobs after a pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MissingNews {
    /// Name the missing records: other records than last time, or
    /// [`REMIND_MISSING`] since they were named.
    Name,
    /// None are missing any more, after some were.
    AllBack,
    /// Nothing new.
    Quiet,
}

impl MissingBlobs {
    /// Takes this pass's missing records (sorted) and says what to log.
    fn news(&mut self, missing: &[MediaId], now: tokio::time::Instant) -> MissingNews {
        if missing.is_empty() {
            let was_missing = !self.named.is_empty();
            *self = MissingBlobs::default();
            return if was_missing { MissingNews::AllBack } else { MissingNews::Quiet };
        }
        let due = missing != self.named.as_slice() || self.at.is_none_or(|at| now.duration_since(at) >= REMIND_MISSING);
        if due {
            self.named = missing.to_vec();
            self.at = Some(now);
        }
        if due {
            MissingNews::Name
        } else {
            MissingNews::Quiet
        }
    }
}

/// Whether the vault's bucket keeps Object Lock, as far as the refresher knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ObjectLock {
    /// Not asked yet, or the last question failed.
    Unknown,
    Enabled,
    /// A filesystem vault, or a bucket without Object Lock.
    Absent,
}

/// After each refresh (so after every change and at least every
/// [`RESWEEP`]), brings the Object Lock of the vault's blobs up to what
/// their retention needs, when the vault is a bucket that has it: only
/// what changed is sent ([`liuhen_custody::retention::lock_blobs`]). The
/// bucket is asked once whether it has Object Lock; a failure is logged
/// and tried again after the next refresh.
async fn keep_locks(ledger: &Arc<Ledger>, vault: &liuhen_vault::Vault, pack: &Arc<PolicyPack>, keeper: &mut LockKeeper) {
    let object_lock = &mut keeper.object_lock;
    if *object_lock == ObjectLock::Unknown {
        *object_lock = match vault.object_lock_support().await {
            Ok(support) if support.enabled() => {
                tracing::info!(support = %support.describe(), "keeping the blobs' Object Lock up to date");
                ObjectLock::Enabled
            }
            Ok(_) => ObjectLock::Absent,
            Err(error) => {
                tracing::warn!(%error, "cannot ask the vault's bucket whether it has Object Lock; asking again after the next refresh");
                return;
            }
        };
    }
    if *object_lock != ObjectLock::Enabled {
        return;
    }
    let (ledger, vault, pack) = (ledger.clone(), vault.clone(), pack.clone());
    let locked = off_the_workers(async move {
        liuhen_custody::retention::lock_blobs(&ledger, &vault, &pack, liuhen_custody::retention::LOCKER_ACTOR, Timestamp::now(), false)
            .await
    });
    match locked.await {
        Some(Ok(report)) => {
            if report.changed() {
                tracing::info!(dated = report.dated, held = report.held, released = report.released, "blobs locked in the vault's bucket");
            }
            // A pass cut short by failures did not ask about every blob, so
            // it says nothing of which are missing.
            let cut_short = report.failed > 0 || report.not_sent > 0;
            let missing_news =
                if cut_short { MissingNews::Quiet } else { keeper.missing.news(&report.missing, tokio::time::Instant::now()) };
            if let Some(problems) = report.problems() {
                if cut_short || missing_news == MissingNews::Name {
                    tracing::warn!(%problems, "the blobs' Object Lock is not all up to date; it is tried again after the next refresh");
                } else {
                    tracing::debug!(%problems, "the blobs' Object Lock is not all up to date (said before)");
                }
            }
            if missing_news == MissingNews::AllBack {
                tracing::info!("the vault's bucket has every record's blob again");
            }
        }
        Some(Err(error)) => {
            tracing::error!(%error, "the blobs' Object Lock was not brought up to date; it is tried again after the next refresh");
        }
        None => tracing::error!("the Object Lock pass stopped unexpectedly; it is tried again after the next refresh"),
    }
}

/// Runs `work` on a thread of its own, at a lower scheduling priority,
/// instead of on the runtime's workers. A refresh decodes every fact of
/// the agency (millions of rows at scale), and the database drivers hand
/// rows over without yielding: on a worker it held up the requests queued
/// behind it for seconds (measured: the case list's p95 went from 30 ms to
/// 2 s on PostgreSQL while one ran). On its own thread it shares the CPU,
/// and people's requests come first. Its I/O is still driven by the
/// runtime. `None` if the work panicked or the thread could not start.
pub(crate) async fn off_the_workers<T: Send + 'static>(work: impl std::future::Future<Output = T> + Send + 'static) -> Option<T> {
    let runtime = tokio::runtime::Handle::current();
    let (done, result) = tokio::sync::oneshot::channel();
    let started = std::thread::Builder::new().name("compliance".into()).spawn(move || {
        lower_priority();
        let _ = done.send(runtime.block_on(work));
    });
    if let Err(error) = started {
        tracing::error!(%error, "cannot start a thread for the compliance check");
        return None;
    }
    result.await.ok()
}

/// Background work yields the CPU to requests: this thread's nice value
/// goes up by 10 (Linux threads have their own). Best effort.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    if let Err(error) = rustix::process::setpriority_process(Some(rustix::thread::gettid()), 10) {
        tracing::debug!(%error, "cannot lower the compliance thread's priority");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_missing_blobs_are_named_once_an_hour() {
        let mut ids = [MediaId::new(), MediaId::new(), MediaId::new()];
        ids.sort();
        let media = |n: usize| ids[n];
        let start = tokio::time::Instant::now();
        let mut missing = MissingBlobs::default();
        assert_eq!(missing.news(&[], start), MissingNews::Quiet, "nothing missing, nothing to say");
        assert_eq!(missing.news(&[media(1)], start), MissingNews::Name, "the first pass names it");
        let minute = Duration::from_secs(60);
        assert_eq!(missing.news(&[media(1)], start + minute), MissingNews::Quiet, "the next pass does not repeat it");
        assert_eq!(missing.news(&[media(1), media(2)], start + 2 * minute), MissingNews::Name, "another record is news");
        assert_eq!(missing.news(&[media(2)], start + 3 * minute), MissingNews::Name, "so is one fewer");
        assert_eq!(missing.news(&[media(2)], start + 3 * minute + REMIND_MISSING - Duration::from_secs(1)), MissingNews::Quiet);
        assert_eq!(missing.news(&[media(2)], start + 3 * minute + REMIND_MISSING), MissingNews::Name, "reminded after an hour");
        assert_eq!(missing.news(&[], start + 4 * minute + REMIND_MISSING), MissingNews::AllBack, "all back is said once");
        assert_eq!(missing.news(&[], start + 5 * minute + REMIND_MISSING), MissingNews::Quiet);
        assert_eq!(missing.news(&[media(2)], start + 6 * minute + REMIND_MISSING), MissingNews::Name, "missing again is news");
    }
}
