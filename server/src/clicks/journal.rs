//! The click journal: every click is appended to a local file **before** its answer is
//! sent, so a click that was answered survives a killed process.
//!
//! - A `write()` lands in the operating system's page cache, which outlives the process
//!   (SIGKILL, a panic); [`Journal::sync`], run every `--click-fsync-ms`, covers power loss.
//! - Lines are JSON, one click each, in segment files `<dir>/<start ms>-<n>.jsonl`. The
//!   drain seals the current segment (later clicks go to a fresh one), writes the sealed
//!   clicks to the database, and only then deletes its file.
//! - At start-up the segments left by a previous process are replayed; the database
//!   ignores click ids it already has, so a segment written but not yet deleted counts
//!   nothing twice.
//! - One process per folder: a lock file keeps a second instance from replaying (and
//!   deleting) the segments of a live one. Each instance needs its own folder.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use super::event::ClickEvent;

pub struct Journal {
    dir: PathBuf,
    /// Held for the life of the process: the folder's lock.
    _lock: File,
    current: Mutex<Segment>,
}

struct Segment {
    file: Arc<File>,
    path: PathBuf,
    events: Vec<ClickEvent>,
}

/// A segment that takes no more clicks, waiting to be written to the database.
pub struct Sealed {
    pub path: PathBuf,
    pub events: Vec<ClickEvent>,
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
}

impl Journal {
    /// Locks `dir` (creating it), and returns the journal with the segments a previous
    /// process left behind, to be replayed.
    pub fn open(dir: &Path) -> io::Result<(Journal, Vec<Sealed>)> {
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
        for path in names {
            let events = read_segment(&path)?;
            let segment = Sealed { path, events };
            if segment.events.is_empty() {
                segment.remove();
            } else {
                left.push(segment);
            }
        }
        let current = Mutex::new(new_segment(dir)?);
        Ok((
            Journal {
                dir: dir.to_path_buf(),
                _lock: lock,
                current,
            },
            left,
        ))
    }

    fn current(&self) -> MutexGuard<'_, Segment> {
        // A panic while holding the lock leaves at worst a line half-written, which the
        // replay skips; the click it belonged to was never answered.
        self.current.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends one click. When this returns, the click is in the file's page cache.
    pub fn append(&self, event: ClickEvent) -> io::Result<()> {
        let mut line = serde_json::to_vec(&event).map_err(io::Error::other)?;
        line.push(b'\n');
        let mut segment = self.current();
        // One write() per line: a line is never interleaved with another.
        let written = (&*segment.file).write_all(&line);
        // Kept in memory even if the disk refused it: the drain still stores it.
        segment.events.push(event);
        written
    }

    /// Closes the current segment to new clicks and returns it, or `None` when it holds
    /// none.
    pub fn seal(&self) -> io::Result<Option<Sealed>> {
        let mut segment = self.current();
        if segment.events.is_empty() {
            return Ok(None);
        }
        let fresh = new_segment(&self.dir)?;
        let old = std::mem::replace(&mut *segment, fresh);
        Ok(Some(Sealed {
            path: old.path,
            events: old.events,
        }))
    }

    /// Flushes the current segment to the disk itself (power loss), without holding up
    /// clicks while the disk works.
    pub fn sync(&self) -> io::Result<()> {
        let file = self.current().file.clone();
        file.sync_data()
    }

    /// Clicks appended and not yet sealed.
    pub fn unsealed(&self) -> usize {
        self.current().events.len()
    }
}

fn new_segment(dir: &Path) -> io::Result<Segment> {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = dir.join(format!("{:016}-{n:08}.jsonl", crate::time::now_ms()));
    let file = OpenOptions::new()
        .create_new(true)
        .append(true)
        .open(&path)?;
    Ok(Segment {
        file: Arc::new(file),
        path,
        events: Vec::new(),
    })
}

/// The clicks of a segment file. A line cut short by a kill mid-write is skipped: its
/// click had not been answered.
fn read_segment(path: &Path) -> io::Result<Vec<ClickEvent>> {
    let mut events = Vec::new();
    let mut skipped = 0;
    for line in BufReader::new(File::open(path)?).split(b'\n') {
        let line = line?;
        if line.is_empty() {
            continue;
        }
        match serde_json::from_slice::<ClickEvent>(&line) {
            Ok(e) => events.push(e),
            Err(_) => skipped += 1,
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
            prefetch: false,
            click_param: None,
            utm_channel: None,
            verdict: None,
        }
    }

    #[test]
    fn what_was_appended_is_found_again_by_the_next_process() {
        let dir = std::env::temp_dir().join(format!("journal-test-{}", rand::random::<u64>()));
        {
            let (journal, left) = Journal::open(&dir).unwrap();
            assert!(left.is_empty());
            journal.append(event("a")).unwrap();
            let sealed = journal.seal().unwrap().unwrap();
            assert_eq!(sealed.events, vec![event("a")]);
            assert!(journal.seal().unwrap().is_none(), "nothing new");
            journal.append(event("b")).unwrap();
            // A second process on the same folder is refused while this one lives.
            assert!(Journal::open(&dir).is_err());
            // A line cut short by a kill.
            let mut f = OpenOptions::new().append(true).open(&sealed.path).unwrap();
            f.write_all(b"{\"click_id\":\"cu").unwrap();
        } // the process "dies": nothing was deleted
        let (_journal, left) = Journal::open(&dir).unwrap();
        let ids: Vec<String> = left
            .iter()
            .flat_map(|s| s.events.iter().map(|e| e.click_id.clone()))
            .collect();
        assert_eq!(ids, ["a", "b"]);
        for s in &left {
            s.remove();
        }
        drop(_journal);
        let (_j, left) = Journal::open(&dir).unwrap();
        assert!(left.is_empty());
        fs::remove_dir_all(&dir).unwrap();
    }
}
