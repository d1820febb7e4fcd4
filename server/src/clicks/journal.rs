//! The click journal: every click is appended to a local file **before** its answer is
//! sent, so a click that was answered survives a killed process.
//!
//! - Appends leave the request path: one writer thread takes every click waiting, writes
//!   them with one `write()` and then answers them together; a redirect waits only until
//!   its line is in the file's page cache, which outlives the process (SIGKILL, a panic).
//!   Under a busy disk the clicks that arrive meanwhile share the next write instead of
//!   queueing one by one on runtime threads. How clicks reach the writer with few thread
//!   wake-ups: [`handoff`].
//! - [`Journal::sync`], run every `--click-fsync-ms`, covers power loss: it fsyncs every
//!   segment written since the last one, sealed ones included, and the folder when a
//!   segment was created there.
//! - Lines are JSON, one click each, in segment files `<dir>/<start ms>-<n>.jsonl`. The
//!   drain seals the current segment (later clicks go to a fresh one), writes the sealed
//!   clicks to the database, and only then deletes its file.
//! - A failed write (disk full, read-only) is undone (the file cut back to where the
//!   batch began) and reported to every click of the batch, which the caller then keeps
//!   elsewhere. When even the cut fails, the next write starts on a fresh line, and the
//!   replay skips only the torn part: a torn line never costs the next click.
//! - At start-up the segments left by a previous process are replayed; the database
//!   ignores click ids it already has, so a segment written but not yet deleted counts
//!   nothing twice.
//! - One process per folder: a lock file keeps a second instance from replaying (and
//!   deleting) the segments of a live one. Each instance needs its own folder.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::event::ClickEvent;

pub mod handoff;

use handoff::Handoff;
pub use handoff::Unwritten;

pub struct Journal {
    dir: PathBuf,
    /// Held for the life of the process: the folder's lock.
    _lock: File,
    /// To the writer thread; it ends when the journal is dropped.
    handoff: Arc<Handoff>,
    shared: Arc<Shared>,
}

impl Drop for Journal {
    fn drop(&mut self) {
        self.handoff.stop();
    }
}

/// What the writer thread and [`Journal::sync`] share.
#[derive(Default)]
struct Shared {
    /// Clicks in the current segment.
    unsealed: AtomicUsize,
    unsynced: Mutex<Unsynced>,
}

/// What the next [`Journal::sync`] must flush.
#[derive(Default)]
struct Unsynced {
    current: Option<Arc<File>>,
    current_written: bool,
    sealed: Vec<Arc<File>>,
    dir: bool,
}

/// The segment the writer thread appends to; only that thread touches it.
struct Segment {
    file: Arc<File>,
    path: PathBuf,
    events: Vec<ClickEvent>,
    /// A write failed and could not be undone: the file may end in a partial line.
    torn: bool,
}

/// A segment that takes no more clicks, waiting to be written to the database.
pub struct Sealed {
    pub path: PathBuf,
    /// `None` once dropped from memory (past `--click-memory-max`): read again from
    /// the file when its turn comes.
    pub events: Option<Vec<ClickEvent>>,
    pub clicks: usize,
    /// When its oldest click was recorded (ms): the drain's lag, even once the clicks
    /// are dropped from memory.
    pub oldest_ms: i64,
}

impl Sealed {
    /// Deletes the segment's file once its clicks are in the database.
    pub fn remove(&self) {
        if let Err(e) = fs::remove_file(&self.path) {
            if e.kind() != io::ErrorKind::NotFound {
                tracing::warn!(path = %self.path.display(), error = %e, "could not delete a drained journal segment");
            }
        }
    }

    /// Its clicks, from memory or read again from its file.
    pub fn load(&self) -> io::Result<Vec<ClickEvent>> {
        match &self.events {
            Some(events) => Ok(events.clone()),
            None => read_segment(&self.path),
        }
    }
}

impl Journal {
    /// Locks `dir` (creating it), and returns the journal with the segments a previous
    /// process left behind, to be replayed. Segments past the first `memory_max` clicks
    /// are left on disk, read when their turn comes.
    pub fn open(dir: &Path, memory_max: usize) -> io::Result<(Journal, Vec<Sealed>)> {
        fs::create_dir_all(dir)?;
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join("LOCK"))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(io::Error::other(format!(
                    "the click journal {} is in use by another running server; give each instance its own --click-journal-dir",
                    dir.display()
                )))
            }
            Err(TryLockError::Error(e)) => return Err(e),
        }
        let mut left = Vec::new();
        let mut names: Vec<PathBuf> = fs::read_dir(dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .collect();
        names.sort();
        let mut held = 0;
        for path in names {
            let events = read_segment(&path)?;
            let clicks = events.len();
            let keep = held + clicks <= memory_max;
            let segment = Sealed {
                path,
                oldest_ms: oldest(&events),
                events: keep.then_some(events),
                clicks,
            };
            if clicks == 0 {
                segment.remove();
            } else {
                held += if keep { clicks } else { 0 };
                left.push(segment);
            }
        }
        let shared = Arc::new(Shared::default());
        let current = new_segment(dir, &shared)?;
        let handoff = Arc::new(Handoff::default());
        std::thread::Builder::new()
            .name("click-journal".into())
            .spawn({
                let (dir, shared, handoff) = (dir.to_path_buf(), shared.clone(), handoff.clone());
                move || {
                    Writer {
                        dir,
                        shared,
                        segment: current,
                        handoff,
                    }
                    .run()
                }
            })?;
        Ok((
            Journal {
                dir: dir.to_path_buf(),
                _lock: lock,
                handoff,
                shared,
            },
            left,
        ))
    }

    /// Appends one click. When this returns `Ok`, the click is in the file's page cache;
    /// an error means it is not in the journal at all, and hands the click back (unless
    /// the writer thread died with it) to be kept elsewhere.
    pub async fn append(&self, event: ClickEvent) -> Result<(), Unwritten> {
        self.handoff.append(event)?.await
    }

    /// Closes the current segment to new clicks and returns it, or `None` when it holds
    /// none. Clicks appended before the call are in it.
    pub async fn seal(&self) -> io::Result<Option<Sealed>> {
        self.handoff
            .seal()?
            .await
            .map_err(|_| io::Error::other("the click journal's writer stopped"))?
    }

    /// Flushes to the disk itself (power loss) every segment written since the last
    /// call, sealed ones first, then the folder if a segment was created in it. Runs
    /// beside the writer, so clicks are not held up while the disk works.
    pub fn sync(&self) -> io::Result<()> {
        let (sealed, current, dir) = {
            let mut u = self.unsynced();
            let current = if std::mem::take(&mut u.current_written) {
                u.current.clone()
            } else {
                None
            };
            (
                std::mem::take(&mut u.sealed),
                current,
                std::mem::take(&mut u.dir),
            )
        };
        let result = (|| {
            for file in &sealed {
                file.sync_data()?;
            }
            if let Some(file) = &current {
                file.sync_data()?;
            }
            if dir {
                File::open(&self.dir)?.sync_all()?;
            }
            Ok(())
        })();
        if result.is_err() {
            // Tried again next time.
            let mut u = self.unsynced();
            u.sealed.extend(sealed);
            u.current_written |= current.is_some();
            u.dir |= dir;
        }
        result
    }

    fn unsynced(&self) -> MutexGuard<'_, Unsynced> {
        self.shared
            .unsynced
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Clicks appended and not yet sealed.
    pub fn unsealed(&self) -> usize {
        self.shared.unsealed.load(Ordering::Relaxed)
    }
}

struct Writer {
    dir: PathBuf,
    shared: Arc<Shared>,
    segment: Segment,
    handoff: Arc<Handoff>,
}

impl Drop for Writer {
    /// However the thread ends, no append waits for it forever.
    fn drop(&mut self) {
        self.handoff.writer_gone();
    }
}

impl Writer {
    fn run(mut self) {
        // Swapped with the gathering batch's at each turn: memory reused, not reallocated.
        let mut bytes = Vec::new();
        let mut events = Vec::new();
        loop {
            let turn = self.handoff.take(&mut bytes, &mut events);
            let wrote = turn.batch.is_some();
            if let Some(batch) = turn.batch {
                match self.write(&bytes, &mut events) {
                    Ok(()) => batch.written(),
                    Err(e) => batch.fail(&e, std::mem::take(&mut events)),
                }
            }
            bytes.clear();
            events.clear();
            if let Some(done) = turn.seal {
                // The clicks appended before the seal are in the segment it seals.
                let _ = done.send(self.seal());
            }
            if turn.stop {
                return;
            }
            if wrote {
                std::thread::sleep(handoff::GATHER);
            }
        }
    }

    /// Writes one batch's lines. On success its clicks move to the segment; on failure
    /// they stay in `events`, to be handed back.
    fn write(&mut self, bytes: &[u8], events: &mut Vec<ClickEvent>) -> io::Result<()> {
        let file = self.segment.file.clone();
        let file = &*file;
        let start = file.metadata().map(|m| m.len());
        let was_torn = self.segment.torn;
        let result = (|| {
            if self.segment.torn {
                // The previous write may have left a partial line: end it, so this
                // batch's first click is a line of its own.
                (&*file).write_all(b"\n")?;
                self.segment.torn = false;
            }
            (&*file).write_all(bytes)
        })();
        match result {
            Ok(()) => {
                self.shared
                    .unsealed
                    .fetch_add(events.len(), Ordering::Relaxed);
                self.segment.events.append(events);
                self.shared
                    .unsynced
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .current_written = true;
                Ok(())
            }
            Err(e) => {
                // Undo whatever part of the batch landed: its clicks are kept elsewhere.
                // Cut back to before this batch: a partial line there before stays there.
                let undone = start.and_then(|len| file.set_len(len));
                self.segment.torn = was_torn || undone.is_err();
                tracing::warn!(error = %e, clicks = events.len(), "writing to the click journal failed");
                Err(e)
            }
        }
    }

    fn seal(&mut self) -> io::Result<Option<Sealed>> {
        if self.segment.events.is_empty() {
            return Ok(None);
        }
        let fresh = new_segment(&self.dir, &self.shared)?;
        let old = std::mem::replace(&mut self.segment, fresh);
        self.shared.unsealed.store(0, Ordering::Relaxed);
        // Sealed segments are flushed at the next sync too: the drain may not have
        // stored them by then.
        let mut u = self
            .shared
            .unsynced
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        u.sealed.push(old.file);
        let clicks = old.events.len();
        Ok(Some(Sealed {
            path: old.path,
            oldest_ms: oldest(&old.events),
            events: Some(old.events),
            clicks,
        }))
    }
}

fn oldest(events: &[ClickEvent]) -> i64 {
    events.iter().map(|e| e.at).min().unwrap_or(i64::MAX)
}

/// Creates the next segment file; the next [`Journal::sync`] flushes it and the folder.
fn new_segment(dir: &Path, shared: &Shared) -> io::Result<Segment> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let path = dir.join(format!("{:016}-{n:08}.jsonl", crate::time::now_ms()));
    let file = Arc::new(
        OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(&path)?,
    );
    let mut u = shared.unsynced.lock().unwrap_or_else(|e| e.into_inner());
    u.current = Some(file.clone());
    u.current_written = false;
    u.dir = true;
    Ok(Segment {
        file,
        path,
        events: Vec::new(),
        torn: false,
    })
}

/// The start of every line the journal writes (serde keeps the field order).
const LINE_START: &[u8] = b"{\"click_id\":";

/// The clicks of a segment file. A line cut short by a kill or a full disk is skipped:
/// its click had not been answered from the journal. If a later click was written
/// straight after such a partial line, it is read from where it starts.
pub fn read_segment(path: &Path) -> io::Result<Vec<ClickEvent>> {
    let mut events = Vec::new();
    let mut skipped = 0;
    for line in BufReader::new(File::open(path)?).split(b'\n') {
        let line = line?;
        if line.is_empty() {
            continue;
        }
        match serde_json::from_slice::<ClickEvent>(&line) {
            Ok(e) => events.push(e),
            Err(_) => {
                skipped += 1;
                let last_start = line
                    .windows(LINE_START.len())
                    .rposition(|w| w == LINE_START)
                    .filter(|&i| i > 0);
                if let Some(e) =
                    last_start.and_then(|i| serde_json::from_slice::<ClickEvent>(&line[i..]).ok())
                {
                    events.push(e);
                }
            }
        }
    }
    if skipped > 0 {
        tracing::warn!(path = %path.display(), skipped, "skipped unreadable journal lines");
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::traffic::{ClickOutcome, ReferrerClass};

    fn event(id: &str) -> ClickEvent {
        ClickEvent {
            click_id: id.into(),
            at: 1,
            collaboration_id: 1,
            traffic_source_id: 1,
            program_id: 1,
            partner_id: 1,
            advertiser_id: 1,
            outcome: ClickOutcome::Redirected,
            referrer_host: None,
            referrer_class: ReferrerClass::None,
            bot: false,
            visitor_hash: "h".into(),
            deep_link: None,
            prefetch: false,
            click_param: None,
            utm_channel: None,
            verdict: None,
        }
    }

    fn ids(left: &[Sealed]) -> Vec<String> {
        left.iter()
            .flat_map(|s| s.load().unwrap().into_iter().map(|e| e.click_id))
            .collect()
    }

    #[tokio::test]
    async fn what_was_appended_is_found_again_by_the_next_process() {
        let dir = std::env::temp_dir().join(format!("journal-test-{}", rand::random::<u64>()));
        {
            let (journal, left) = Journal::open(&dir, 1000).unwrap();
            assert!(left.is_empty());
            journal.append(event("a")).await.unwrap();
            let sealed = journal.seal().await.unwrap().unwrap();
            assert_eq!(sealed.events, Some(vec![event("a")]));
            assert!(journal.seal().await.unwrap().is_none(), "nothing new");
            journal.append(event("b")).await.unwrap();
            // A second process on the same folder is refused while this one lives.
            assert!(Journal::open(&dir, 1000).is_err());
            // A line cut short by a kill.
            let mut f = OpenOptions::new().append(true).open(&sealed.path).unwrap();
            f.write_all(b"{\"click_id\":\"cu").unwrap();
            journal.sync().unwrap();
        } // the process "dies": nothing was deleted
        let (_journal, left) = Journal::open(&dir, 1000).unwrap();
        assert_eq!(ids(&left), ["a", "b"]);
        for s in &left {
            s.remove();
        }
        drop(_journal);
        let (_j, left) = Journal::open(&dir, 1000).unwrap();
        assert!(left.is_empty());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_appends_are_all_answered_and_sealed_together() {
        let dir = std::env::temp_dir().join(format!("journal-many-{}", rand::random::<u64>()));
        let (journal, _) = Journal::open(&dir, 10_000).unwrap();
        let journal = Arc::new(journal);
        // Tasks appending at once share batches; each is answered once its line is written.
        let tasks: Vec<_> = (0..200)
            .map(|i| {
                let journal = journal.clone();
                tokio::spawn(async move { journal.append(event(&format!("c{i}"))).await })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        assert_eq!(journal.unsealed(), 200);
        let sealed = journal.seal().await.unwrap().unwrap();
        assert_eq!(sealed.clicks, 200);
        let mut on_disk: Vec<String> = read_segment(&sealed.path)
            .unwrap()
            .into_iter()
            .map(|e| e.click_id)
            .collect();
        on_disk.sort();
        let mut expected: Vec<String> = (0..200).map(|i| format!("c{i}")).collect();
        expected.sort();
        assert_eq!(on_disk, expected, "every answered click is a whole line");
        assert_eq!(journal.unsealed(), 0);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_click_written_straight_after_a_torn_line_is_read() {
        let dir = std::env::temp_dir().join(format!("journal-torn-{}", rand::random::<u64>()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("1-1.jsonl");
        let mut text = serde_json::to_vec(&event("a")).unwrap();
        text.extend_from_slice(b"\n{\"click_id\":\"torn\",\"at\":1,\"coll");
        text.extend_from_slice(&serde_json::to_vec(&event("b")).unwrap());
        text.extend_from_slice(b"\n{\"click_id\":\"end");
        fs::write(&path, text).unwrap();
        let events = read_segment(&path).unwrap();
        let ids: Vec<&str> = events.iter().map(|e| e.click_id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn segments_past_the_memory_bound_are_read_from_disk() {
        let dir = std::env::temp_dir().join(format!("journal-mem-{}", rand::random::<u64>()));
        {
            let (journal, _) = Journal::open(&dir, 1).unwrap();
            for id in ["a", "b", "c"] {
                journal.append(event(id)).await.unwrap();
                journal.seal().await.unwrap();
            }
        }
        let (_journal, left) = Journal::open(&dir, 1).unwrap();
        assert_eq!(left.len(), 3);
        assert!(left[0].events.is_some() && left[1].events.is_none());
        assert_eq!(ids(&left), ["a", "b", "c"]);
        fs::remove_dir_all(&dir).unwrap();
    }
}
