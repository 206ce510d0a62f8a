//! What the server keeps resident once it serves.
//!
//! Start-up runs code that serving never runs again: configuration, the
//! migrations, key loading, the command line. The kernel maps the executable's
//! code in 64 KiB windows around each page first run and leaves those pages
//! mapped for the life of the process, so they count in its resident memory
//! for good. [`release_start_up_code`] unmaps the executable's read-only pages
//! once, after start-up: what serving runs is mapped again at its first use
//! (a minor fault, no disk read).
//!
//! This lowers the process's resident set (what `ps`, the OOM killer's score
//! and a memory alert read), not the machine's memory in use: the pages stay
//! in the page cache, as clean file pages the kernel may drop when it needs
//! room, as it may drop an idle mapped page too.

use std::ops::Range;

/// One mapping of `/proc/<pid>/smaps`: its range, permissions, file (empty
/// for anonymous memory) and its `Key: value` lines.
#[derive(Debug, PartialEq, Eq)]
pub struct Mapping {
    pub range: Range<usize>,
    pub perms: String,
    pub path: String,
    fields: Vec<(String, String)>,
}

impl Mapping {
    /// The value of its `key:` line, trimmed (`VmFlags` gives `rd ex mr ...`).
    pub fn field(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A size line (`Rss`, `Anonymous`, ...) in KiB; 0 when absent.
    pub fn kib(&self, key: &str) -> u64 {
        self.field(key)
            .and_then(|v| v.trim_end_matches(" kB").parse().ok())
            .unwrap_or(0)
    }
}

/// The mappings described by `smaps` text.
pub fn parse_smaps(smaps: &str) -> Vec<Mapping> {
    let mut found: Vec<Mapping> = Vec::new();
    for line in smaps.lines() {
        let mut words = line.split_whitespace();
        let first = words.next().unwrap_or_default();
        if let Some((start, end)) = first.split_once('-')
            && let (Ok(start), Ok(end)) = (
                usize::from_str_radix(start, 16),
                usize::from_str_radix(end, 16),
            )
        {
            let perms = words.next().unwrap_or_default().to_owned();
            // offset, device, inode, then the path (which may hold spaces).
            let path = words.skip(3).collect::<Vec<_>>().join(" ");
            found.push(Mapping {
                range: start..end,
                perms,
                path,
                fields: Vec::new(),
            });
        } else if let (Some(current), Some((key, value))) = (found.last_mut(), line.split_once(':'))
        {
            current
                .fields
                .push((key.to_owned(), value.trim().to_owned()));
        }
    }
    found
}

/// This process's mappings.
pub fn own_mappings() -> std::io::Result<Vec<Mapping>> {
    Ok(parse_smaps(&std::fs::read_to_string("/proc/self/smaps")?))
}

/// The mappings of `exe` that can be unmapped without losing anything: never
/// writable, and with no page that differs from the file (the relocated
/// read-only data the loader wrote before protecting it has such pages;
/// unmapping it would bring back the file's unrelocated bytes).
fn releasable<'a>(mappings: &'a [Mapping], exe: &str) -> impl Iterator<Item = &'a Mapping> {
    mappings.iter().filter(move |m| {
        m.path == exe
            && m.perms.starts_with('r')
            && m.perms.as_bytes().get(1) == Some(&b'-')
            && m.perms.ends_with('p')
            && m.kib("Anonymous") == 0
    })
}

/// Unmaps the executable's read-only pages from this process (they stay in
/// the page cache); returns how many bytes of address space were released.
#[cfg(target_os = "linux")]
pub fn release_start_up_code() -> std::io::Result<usize> {
    let exe = std::fs::read_link("/proc/self/exe")?;
    let exe = exe.to_string_lossy();
    let all = own_mappings()?;
    let mut released = 0;
    for m in releasable(&all, &exe) {
        let len = m.range.len();
        // SAFETY: the range is a whole private mapping of the executable that
        // is not writable and holds no page of its own (checked above), so
        // every page read after this is the file's, as before: MADV_DONTNEED
        // only drops the page table entries.
        let rc =
            unsafe { libc::madvise(m.range.start as *mut libc::c_void, len, libc::MADV_DONTNEED) };
        if rc != 0 {
            return Err(std::io::Error::last_os_error());
        }
        released += len;
    }
    Ok(released)
}

/// Elsewhere the pages stay as they are.
#[cfg(not(target_os = "linux"))]
pub fn release_start_up_code() -> std::io::Result<usize> {
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMAPS: &str = "\
55d0a0000000-55d0a04ad000 r--p 00000000 fd:01 1234 /opt/port cullis
Size:               4788 kB
Anonymous:             0 kB
55d0a04ae000-55d0a17a2000 r-xp 004ad000 fd:01 1234 /opt/port cullis
Size:              19408 kB
Anonymous:             0 kB
55d0a17a2000-55d0a180a000 r--p 017a0000 fd:01 1234 /opt/port cullis
Size:                416 kB
Anonymous:           416 kB
55d0a180a000-55d0a180b000 rw-p 01808000 fd:01 1234 /opt/port cullis
Size:                  4 kB
Anonymous:             4 kB
7f0000000000-7f0000021000 r-xp 00000000 fd:01 99 /usr/lib/libc.so.6
Anonymous:             0 kB
7f0000100000-7f0000200000 rw-p 00000000 00:00 0
Anonymous:          1024 kB
";

    #[test]
    fn reads_ranges_permissions_paths_and_fields() {
        let all = parse_smaps(SMAPS);
        assert_eq!(all.len(), 6);
        let code = &all[1];
        assert_eq!(code.range, 0x55d0a04ae000..0x55d0a17a2000);
        assert_eq!(code.perms, "r-xp");
        assert_eq!(code.path, "/opt/port cullis");
        assert_eq!(code.kib("Size"), 19408);
        assert_eq!(code.kib("Anonymous"), 0);
        assert_eq!(all[2].kib("Anonymous"), 416);
        assert_eq!(all[2].field("Size"), Some("416 kB"));
        assert_eq!(all[4].field("Size"), None);
        assert_eq!(all[5].path, "");
    }

    #[test]
    fn only_the_executables_untouched_read_only_pages_are_released() {
        let all = parse_smaps(SMAPS);
        let chosen: Vec<usize> = releasable(&all, "/opt/port cullis")
            .map(|m| m.range.start)
            .collect();
        // The relocated read-only data (pages of its own), the writable data and
        // other files' code are left alone.
        assert_eq!(chosen, vec![0x55d0a0000000, 0x55d0a04ae000]);
        assert_eq!(releasable(&all, "/elsewhere").count(), 0);
    }

    /// This test binary's code mappings.
    fn own_code() -> Vec<Mapping> {
        let exe = std::fs::read_link("/proc/self/exe").unwrap();
        let exe = exe.to_string_lossy();
        own_mappings()
            .unwrap()
            .into_iter()
            .filter(|m| m.perms == "r-xp" && m.path == exe)
            .collect()
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn released_code_leaves_residence_and_still_runs() {
        // Every page of the code made resident first, by reading it.
        let code = own_code();
        assert!(!code.is_empty(), "no code mapping found");
        for m in &code {
            for page in m.range.clone().step_by(4096) {
                // SAFETY: the page lies in a readable mapping of this process.
                unsafe { std::ptr::read_volatile(page as *const u8) };
            }
        }
        let resident = || own_code().iter().map(|m| m.kib("Rss")).sum::<u64>();
        let before = resident();
        let released = release_start_up_code().unwrap();
        let after = resident();
        assert!(released >= code.iter().map(|m| m.range.len()).sum::<usize>());
        // Other tests run beside this one and map back what they run, but far
        // from all of the test binary's code.
        assert!(
            after < before / 2,
            "resident code {before} KiB before, {after} KiB after"
        );
        // Code runs again from the same pages, read back from the file.
        assert_eq!(parse_smaps(SMAPS).len(), 6);
    }
}
