//! The mark file beside an embedded store, looked at on every lookup.
//!
//! On Linux an inotify watch on the file's folder says whether anything
//! happened to the file since the last look: one read of a non-blocking
//! descriptor, empty nearly always, where a `stat` walked the whole path every
//! time. The kernel queues the event inside the writer's own `rename` or `write`,
//! before that call returns, so a change the CLI has finished is seen by the
//! next lookup, as it was with the `stat`. Where no watch can be had (another
//! system, the inotify limits reached) or the watch ends (the folder removed,
//! moved or unmounted), every look is a `stat` of the file again.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use crate::error::Failure;

/// What a lookup compares: snapshots count only under the stamp they were
/// read under. A watch that ends changes the kind of stamp, so what was read
/// under the watch never counts again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stamp {
    /// How many changes the watch has seen.
    Watched(u64),
    /// The file's identity (inode, modification time, length); None while
    /// there is none.
    Looked(Option<(u64, i64, i64, u64)>),
}

pub struct MarkFile {
    path: PathBuf,
    /// Locked for each look, so that a change read from the watch by one
    /// lookup is counted before another lookup finds the watch empty.
    watch: Mutex<Option<watch::Watch>>,
}

impl MarkFile {
    /// Watches `path` where the system allows it.
    pub fn new(path: PathBuf) -> Self {
        let watch = watch::Watch::start(&path);
        if watch.is_none() {
            tracing::debug!(path = %path.display(), "the directory's mark file is looked at with stat");
        }
        Self {
            path,
            watch: Mutex::new(watch),
        }
    }

    /// The stamp now.
    pub fn stamp(&self) -> Result<Stamp, Failure> {
        let mut watch = self.watch.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(w) = watch.as_mut() {
            match w.changes() {
                Some(n) => return Ok(Stamp::Watched(n)),
                None => {
                    tracing::info!(path = %self.path.display(), "the watch on the directory's mark file ended; looking at it with stat");
                    *watch = None;
                }
            }
        }
        drop(watch);
        file_stamp(&self.path).map(Stamp::Looked)
    }
}

/// The file's identity; None while there is none. Any other error fails the
/// lookup (503) rather than trust a snapshot that may be stale.
fn file_stamp(path: &Path) -> Result<Option<(u64, i64, i64, u64)>, Failure> {
    match std::fs::metadata(path) {
        Ok(m) => Ok(Some((m.ino(), m.mtime(), m.mtime_nsec(), m.len()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Failure::Unavailable(format!(
            "the user directory's mark file: {e}"
        ))),
    }
}

#[cfg(target_os = "linux")]
mod watch {
    use std::ffi::{CString, OsString};
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::os::unix::ffi::OsStrExt;
    use std::path::Path;

    /// What happens to a file in the folder (the mark file among them) or
    /// to the folder itself.
    const MASK: u32 = libc::IN_ATTRIB
        | libc::IN_CLOSE_WRITE
        | libc::IN_CREATE
        | libc::IN_DELETE
        | libc::IN_MODIFY
        | libc::IN_MOVED_FROM
        | libc::IN_MOVED_TO
        | libc::IN_DELETE_SELF
        | libc::IN_MOVE_SELF
        | libc::IN_ONLYDIR;
    /// After these no event about the file comes again.
    const ENDED: u32 =
        libc::IN_IGNORED | libc::IN_DELETE_SELF | libc::IN_MOVE_SELF | libc::IN_UNMOUNT;
    /// `struct inotify_event` without its name.
    const HEADER: usize = 16;

    pub struct Watch {
        fd: OwnedFd,
        name: OsString,
        changes: u64,
    }

    impl Watch {
        pub fn start(path: &Path) -> Option<Self> {
            let folder = path.parent()?;
            let folder = if folder.as_os_str().is_empty() {
                Path::new(".")
            } else {
                folder
            };
            let name = path.file_name()?.to_owned();
            let folder = CString::new(folder.as_os_str().as_bytes()).ok()?;
            // SAFETY: no pointers; the descriptor returned is ours alone.
            let raw = unsafe { libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC) };
            if raw < 0 {
                return None;
            }
            // SAFETY: `raw` is a descriptor just opened and owned by nothing else.
            let fd = unsafe { OwnedFd::from_raw_fd(raw) };
            // SAFETY: `folder` is a NUL-terminated string that outlives the call.
            let wd = unsafe { libc::inotify_add_watch(fd.as_raw_fd(), folder.as_ptr(), MASK) };
            (wd >= 0).then_some(Self {
                fd,
                name,
                changes: 0,
            })
        }

        /// How many changes to the file have been seen, after taking in those
        /// queued since the last call; None once the watch can no longer tell.
        pub fn changes(&mut self) -> Option<u64> {
            // Room for many events: a name is at most NAME_MAX (255) bytes.
            let mut buf = [0u8; 4096];
            loop {
                // SAFETY: the buffer is writable for its whole length.
                let n =
                    unsafe { libc::read(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
                if n < 0 {
                    let e = std::io::Error::last_os_error();
                    match e.kind() {
                        std::io::ErrorKind::WouldBlock => return Some(self.changes),
                        std::io::ErrorKind::Interrupted => continue,
                        _ => return None,
                    }
                }
                let n = usize::try_from(n).ok()?;
                if n == 0 {
                    return None;
                }
                if !self.take_in(&buf[..n])? {
                    return None;
                }
            }
        }

        /// Counts the events in `events`; false when one ends the watch, None
        /// when they cannot be read.
        fn take_in(&mut self, mut events: &[u8]) -> Option<bool> {
            let field = |b: &[u8], at: usize| -> Option<u32> {
                Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
            };
            let mut seen = false;
            while !events.is_empty() {
                let mask = field(events, 4)?;
                let len = usize::try_from(field(events, 12)?).ok()?;
                let name = events.get(HEADER..HEADER + len)?;
                let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(len)];
                if mask & ENDED != 0 {
                    return Some(false);
                }
                // A full queue lost events: any of them may have been the file's.
                if mask & libc::IN_Q_OVERFLOW != 0 || name == self.name.as_bytes() {
                    seen = true;
                }
                events = &events[HEADER + len..];
            }
            if seen {
                self.changes += 1;
            }
            Some(true)
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod watch {
    use std::path::Path;

    /// No watch on this system: every look is a `stat`.
    pub struct Watch;

    impl Watch {
        pub fn start(_: &Path) -> Option<Self> {
            None
        }

        pub fn changes(&mut self) -> Option<u64> {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watched() -> (tempfile::TempDir, MarkFile) {
        let dir = tempfile::tempdir().unwrap();
        let mark = MarkFile::new(dir.path().join(super::super::MARK_FILE));
        (dir, mark)
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn linux_watches_the_file_instead_of_looking_at_it() {
        let (_dir, mark) = watched();
        assert_eq!(mark.stamp().unwrap(), Stamp::Watched(0));
    }

    #[test]
    fn a_file_left_alone_keeps_its_stamp() {
        let (dir, mark) = watched();
        let first = mark.stamp().unwrap();
        for _ in 0..3 {
            assert_eq!(mark.stamp().unwrap(), first);
        }
        // Other files in the folder (keys, a mark file being written) are not it.
        std::fs::write(dir.path().join("signing.pem"), "x").unwrap();
        std::fs::write(dir.path().join("directory.mark.tmp"), "x").unwrap();
        assert_eq!(mark.stamp().unwrap(), first);
    }

    #[test]
    fn every_change_is_seen_by_the_very_next_look() {
        let (dir, mark) = watched();
        let path = dir.path().join(super::super::MARK_FILE);
        let mut last = mark.stamp().unwrap();
        let changes: [&dyn Fn(); 4] = [
            &|| super::super::changed_file(dir.path()).unwrap(),
            &|| std::fs::write(&path, "in place").unwrap(),
            &|| {
                let f = std::fs::File::options().write(true).open(&path).unwrap();
                f.set_modified(std::time::SystemTime::UNIX_EPOCH).unwrap();
            },
            &|| std::fs::remove_file(&path).unwrap(),
        ];
        for round in 0..50 {
            for (i, change) in changes.iter().enumerate() {
                change();
                let now = mark.stamp().unwrap();
                assert_ne!(now, last, "change {i} of round {round} was not seen");
                last = now;
            }
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_folder_that_goes_away_is_looked_at_again() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("keys");
        std::fs::create_dir(&folder).unwrap();
        let mark_in = MarkFile::new(folder.join(super::super::MARK_FILE));
        let watched = mark_in.stamp().unwrap();
        std::fs::remove_dir(&folder).unwrap();
        let gone = mark_in.stamp().unwrap();
        assert_eq!(gone, Stamp::Looked(None));
        assert_ne!(gone, watched);
        // A new folder and file at the same place are looked at with stat.
        std::fs::create_dir(&folder).unwrap();
        super::super::changed_file(&folder).unwrap();
        let back = mark_in.stamp().unwrap();
        assert!(matches!(back, Stamp::Looked(Some(_))), "{back:?}");
        super::super::changed_file(&folder).unwrap();
        assert_ne!(mark_in.stamp().unwrap(), back);
    }
}
