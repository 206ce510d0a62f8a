//! What the server keeps resident once it serves.
//!
//! Start-up runs code that serving never runs again: configuration, the
//! migrations, key loading, the command line. The kernel maps the executable's
//! code in 64 KiB windows around each page first run and leaves those pages
//! mapped for the life of the process, so they count in its resident memory
//! for good. [`release_start_up_code`] unmaps the executable's read-only pages
//! once, after start-up: the pages stay in the page cache, and what serving
//! runs is mapped again at its first use (a minor fault, no disk read).

/// One mapping of `/proc/self/smaps`: its range, permissions, file and the
/// pages written in it (copied from the file on a write).
#[derive(Debug, PartialEq, Eq)]
struct Mapping {
    start: usize,
    end: usize,
    perms: String,
    path: String,
    anonymous_kib: u64,
}

/// Reads the mappings of `smaps` text (the header line of each, then its
/// `Anonymous:` field).
fn mappings(smaps: &str) -> Vec<Mapping> {
    let mut found: Vec<Mapping> = Vec::new();
    for line in smaps.lines() {
        let mut fields = line.split_whitespace();
        let Some(first) = fields.next() else { continue };
        if let Some((start, end)) = first.split_once('-')
            && let (Ok(start), Ok(end)) = (
                usize::from_str_radix(start, 16),
                usize::from_str_radix(end, 16),
            )
        {
            let perms = fields.next().unwrap_or_default().to_owned();
            // offset, device, inode, then the path (which may hold spaces).
            let path = fields.skip(3).collect::<Vec<_>>().join(" ");
            found.push(Mapping {
                start,
                end,
                perms,
                path,
                anonymous_kib: 0,
            });
        } else if first == "Anonymous:"
            && let Some(current) = found.last_mut()
        {
            current.anonymous_kib = fields.next().and_then(|v| v.parse().ok()).unwrap_or(0);
        }
    }
    found
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
            && m.anonymous_kib == 0
    })
}

/// Unmaps the executable's read-only pages from this process (they stay in
/// the page cache); returns how many bytes of address space were released.
#[cfg(target_os = "linux")]
pub fn release_start_up_code() -> std::io::Result<usize> {
    let exe = std::fs::read_link("/proc/self/exe")?;
    let exe = exe.to_string_lossy();
    let smaps = std::fs::read_to_string("/proc/self/smaps")?;
    let all = mappings(&smaps);
    let mut released = 0;
    for m in releasable(&all, &exe) {
        let len = m.end - m.start;
        // SAFETY: the range is a whole private mapping of the executable that
        // is not writable and holds no page of its own (checked above), so
        // every page read after this is the file's, as before: MADV_DONTNEED
        // only drops the page table entries.
        let rc = unsafe { libc::madvise(m.start as *mut libc::c_void, len, libc::MADV_DONTNEED) };
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
    fn reads_ranges_permissions_paths_and_written_pages() {
        let all = mappings(SMAPS);
        assert_eq!(all.len(), 6);
        assert_eq!(
            all[1],
            Mapping {
                start: 0x55d0a04ae000,
                end: 0x55d0a17a2000,
                perms: "r-xp".into(),
                path: "/opt/port cullis".into(),
                anonymous_kib: 0,
            }
        );
        assert_eq!(all[2].anonymous_kib, 416);
        assert_eq!(all[5].path, "");
    }

    #[test]
    fn only_the_executables_untouched_read_only_pages_are_released() {
        let all = mappings(SMAPS);
        let chosen: Vec<usize> = releasable(&all, "/opt/port cullis")
            .map(|m| m.start)
            .collect();
        // The relocated read-only data (pages of its own), the writable data and
        // other files' code are left alone.
        assert_eq!(chosen, vec![0x55d0a0000000, 0x55d0a04ae000]);
        assert_eq!(releasable(&all, "/elsewhere").count(), 0);
    }

    /// The resident KiB of this test binary's code, from `/proc/self/smaps`.
    fn resident_code_kib() -> u64 {
        let exe = std::fs::read_link("/proc/self/exe").unwrap();
        let exe = exe.to_string_lossy().into_owned();
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let mut in_code = false;
        let mut total = 0;
        for line in smaps.lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields
                .first()
                .is_some_and(|f| f.contains('-') && !f.ends_with(':'))
            {
                in_code = fields.get(1) == Some(&"r-xp") && fields[5..].join(" ") == exe;
            } else if in_code && fields.first() == Some(&"Rss:") {
                total += fields[1].parse::<u64>().unwrap();
            }
        }
        total
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn released_code_leaves_residence_and_still_runs() {
        // Every page of the code made resident first, by reading it.
        let exe = std::fs::read_link("/proc/self/exe").unwrap();
        let all = mappings(&std::fs::read_to_string("/proc/self/smaps").unwrap());
        let code: Vec<&Mapping> = releasable(&all, &exe.to_string_lossy())
            .filter(|m| m.perms == "r-xp")
            .collect();
        assert!(!code.is_empty(), "no code mapping found");
        for m in &code {
            for page in (m.start..m.end).step_by(4096) {
                // SAFETY: the page lies in a readable mapping of this process.
                unsafe { std::ptr::read_volatile(page as *const u8) };
            }
        }
        let before = resident_code_kib();
        let released = release_start_up_code().unwrap();
        let after = resident_code_kib();
        assert!(released >= code.iter().map(|m| m.end - m.start).sum::<usize>());
        // Other tests run beside this one and map back what they run, but far
        // from all of the test binary's code.
        assert!(
            after < before / 2,
            "resident code {before} KiB before, {after} KiB after"
        );
        // Code runs again from the same pages, read back from the file.
        assert_eq!(mappings(SMAPS).len(), 6);
    }
}
