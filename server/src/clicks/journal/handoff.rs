//! How a click gets from a request's task to the journal's writer thread and its answer
//! back, with as few thread wake-ups as possible.
//!
//! The first design sent each click down a channel with a oneshot for its answer: two
//! thread wake-ups per click (the writer woken for each line, then the request's task
//! woken from the writer), about a quarter of the redirect's CPU on two cores (the
//! kernel's `try_to_wake_up` and futex waits). Here:
//!
//! - a click's line is serialized straight into the batch that is gathering, under a
//!   short mutex, and the click waits on that batch's shared [`Batch`];
//! - the writer is woken only when it is parked (it found nothing to do); while it is
//!   writing or gathering, appends just join the next batch, without a syscall;
//! - after each write the writer pauses [`GATHER`] before taking the next batch, so a
//!   busy redirect shares one write, one wake-up of the writer and one completion among
//!   all the clicks that arrived meanwhile (on a quiet one the pause costs nothing: the
//!   next click finds the writer parked and wakes it at once);
//! - the writer wakes each batch's tasks once, after the write; a failed write hands the
//!   batch's clicks back to their tasks, which keep them elsewhere.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use tokio::sync::oneshot;

use super::super::event::ClickEvent;
use super::Sealed;

/// The writer's pause between writes while clicks keep coming. Long enough that a busy
/// redirect's clicks share writes, short against the redirect's own time (a click waits
/// at most about this plus one write; the kernel's timer slack adds ~50 µs).
pub const GATHER: Duration = Duration::from_micros(100);

/// Shared by the journal (appends, seals) and its writer thread.
#[derive(Default)]
pub struct Handoff {
    pending: Mutex<Pending>,
    /// The writer parks here when there is nothing to write.
    wake_writer: Condvar,
}

/// What the writer takes at its next turn.
#[derive(Default)]
pub struct Pending {
    /// The gathering batch's lines.
    pub bytes: Vec<u8>,
    pub events: Vec<ClickEvent>,
    /// What every click of `events` waits on.
    pub batch: Arc<Batch>,
    /// A seal asked for: done after writing `events`, which were appended before it.
    pub seal: Option<oneshot::Sender<io::Result<Option<Sealed>>>>,
    /// The journal was dropped: write what is left and end.
    pub stop: bool,
    /// The writer is parked on the condvar: the next append or seal must wake it.
    writer_parked: bool,
    /// The writer thread ended (it never should before `stop`): fail at once.
    pub writer_gone: bool,
}

/// One write's clicks wait on this together.
#[derive(Default)]
pub struct Batch {
    outcome: Mutex<Outcome>,
}

#[derive(Default)]
struct Outcome {
    /// Set once, when the write is done (or failed).
    result: Option<Result<(), (io::ErrorKind, String)>>,
    /// On failure, the batch's clicks, for their tasks to keep elsewhere.
    returned: Vec<Option<ClickEvent>>,
    wakers: Vec<Waker>,
}

/// A failed append: the error, and the click (to be kept elsewhere) unless the writer
/// thread died with it.
#[derive(Debug)]
pub struct Unwritten {
    pub error: io::Error,
    /// Boxed: the error stays small on the common path.
    pub event: Option<Box<ClickEvent>>,
}

fn writer_stopped() -> io::Error {
    io::Error::other("the click journal's writer stopped")
}

impl Handoff {
    pub fn lock(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds `event` to the gathering batch; the returned future ends when its batch is
    /// written.
    pub fn append(&self, event: ClickEvent) -> Result<Written, Unwritten> {
        let mut pending = self.lock();
        if pending.writer_gone {
            return Err(Unwritten {
                error: writer_stopped(),
                event: Some(Box::new(event)),
            });
        }
        let start = pending.bytes.len();
        if let Err(e) = serde_json::to_writer(&mut pending.bytes, &event) {
            pending.bytes.truncate(start);
            return Err(Unwritten {
                error: io::Error::other(e),
                event: Some(Box::new(event)),
            });
        }
        pending.bytes.push(b'\n');
        let index = pending.events.len();
        pending.events.push(event);
        let batch = pending.batch.clone();
        let wake = std::mem::take(&mut pending.writer_parked);
        drop(pending);
        if wake {
            self.wake_writer.notify_one();
        }
        Ok(Written {
            batch,
            index,
            waker: None,
        })
    }

    /// Asks the writer to seal the segment after writing what is gathering.
    pub fn seal(&self) -> io::Result<oneshot::Receiver<io::Result<Option<Sealed>>>> {
        let (done, sealed) = oneshot::channel();
        let mut pending = self.lock();
        if pending.writer_gone {
            return Err(writer_stopped());
        }
        if pending.seal.is_some() {
            // Never: seals come from the drain, one at a time.
            return Err(io::Error::other("a seal of the click journal is under way"));
        }
        pending.seal = Some(done);
        self.wake(pending);
        Ok(sealed)
    }

    pub fn stop(&self) {
        let mut pending = self.lock();
        pending.stop = true;
        self.wake(pending);
    }

    fn wake(&self, mut pending: MutexGuard<'_, Pending>) {
        let wake = std::mem::take(&mut pending.writer_parked);
        drop(pending);
        if wake {
            self.wake_writer.notify_one();
        }
    }

    /// The writer's turn: waits until there is something to do, then takes it. The
    /// batch's lines and clicks are swapped with the writer's emptied buffers, so their
    /// memory is reused.
    pub fn take(&self, bytes: &mut Vec<u8>, events: &mut Vec<ClickEvent>) -> Turn {
        let mut pending = self.lock();
        while pending.events.is_empty() && pending.seal.is_none() && !pending.stop {
            pending.writer_parked = true;
            pending = self
                .wake_writer
                .wait(pending)
                .unwrap_or_else(|e| e.into_inner());
        }
        pending.writer_parked = false;
        std::mem::swap(&mut pending.bytes, bytes);
        std::mem::swap(&mut pending.events, events);
        let batch = (!events.is_empty()).then(|| InFlight(std::mem::take(&mut pending.batch)));
        Turn {
            batch,
            seal: pending.seal.take(),
            stop: pending.stop,
        }
    }

    /// The writer thread is ending: appends from now on fail at once, and any that came
    /// in after its last turn are failed too (with their clicks handed back).
    pub fn writer_gone(&self) {
        let mut pending = self.lock();
        pending.writer_gone = true;
        let events = std::mem::take(&mut pending.events);
        let batch = std::mem::take(&mut pending.batch);
        if let Some(seal) = pending.seal.take() {
            let _ = seal.send(Err(writer_stopped()));
        }
        drop(pending);
        if !events.is_empty() {
            InFlight(batch).fail(&writer_stopped(), events);
        }
    }
}

/// What the writer took at its turn.
pub struct Turn {
    /// The batch whose lines it took, if any.
    pub batch: Option<InFlight>,
    pub seal: Option<oneshot::Sender<io::Result<Option<Sealed>>>>,
    pub stop: bool,
}

/// A batch being written. Dropped without an outcome (the writer panicked), its clicks
/// are told the writer stopped.
pub struct InFlight(Arc<Batch>);

impl InFlight {
    pub fn written(self) {
        self.finish(Ok(()), Vec::new());
    }

    pub fn fail(self, error: &io::Error, events: Vec<ClickEvent>) {
        self.finish(
            Err((error.kind(), error.to_string())),
            events.into_iter().map(Some).collect(),
        );
    }

    fn finish(
        &self,
        result: Result<(), (io::ErrorKind, String)>,
        returned: Vec<Option<ClickEvent>>,
    ) {
        let wakers = {
            let mut outcome = self.0.outcome.lock().unwrap_or_else(|e| e.into_inner());
            if outcome.result.is_some() {
                return;
            }
            outcome.result = Some(result);
            outcome.returned = returned;
            std::mem::take(&mut outcome.wakers)
        };
        // Outside the lock: a woken task may be polled on another thread at once.
        for waker in wakers {
            waker.wake();
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.finish(
            Err((io::ErrorKind::Other, writer_stopped().to_string())),
            Vec::new(),
        );
    }
}

/// Ends when the click's batch is written: `Ok` once its line is in the file's page cache.
pub struct Written {
    batch: Arc<Batch>,
    /// The click's place in its batch.
    index: usize,
    /// Where its waker is in the batch's list, once registered.
    waker: Option<usize>,
}

impl Future for Written {
    type Output = Result<(), Unwritten>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mut outcome = this.batch.outcome.lock().unwrap_or_else(|e| e.into_inner());
        match &outcome.result {
            Some(Ok(())) => Poll::Ready(Ok(())),
            Some(Err((kind, message))) => {
                let error = io::Error::new(*kind, message.clone());
                let event = outcome
                    .returned
                    .get_mut(this.index)
                    .and_then(Option::take)
                    .map(Box::new);
                Poll::Ready(Err(Unwritten { error, event }))
            }
            None => {
                match this.waker {
                    Some(i) if outcome.wakers[i].will_wake(cx.waker()) => {}
                    Some(i) => outcome.wakers[i] = cx.waker().clone(),
                    None => {
                        this.waker = Some(outcome.wakers.len());
                        outcome.wakers.push(cx.waker().clone());
                    }
                }
                Poll::Pending
            }
        }
    }
}
