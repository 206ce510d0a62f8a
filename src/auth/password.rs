//! Password hashing with argon2id (RFC 9106 via the `argon2` crate defaults).
//! Hashing is CPU-bound for tens of milliseconds: callers run it on the blocking pool.

use std::sync::mpsc::RecvTimeoutError;

use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, Version};

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password hashing failed")]
    Hash,
    #[error("the password is too short (at least {0} characters)")]
    TooShort(usize),
    #[error("the password is too long (at most {0} bytes)")]
    TooLong(usize),
}

pub const MIN_LEN: usize = 8;
/// Bounds the work an attacker can make us do per attempt.
pub const MAX_LEN: usize = 1024;

pub fn validate_new(password: &str) -> Result<(), PasswordError> {
    if password.chars().count() < MIN_LEN {
        return Err(PasswordError::TooShort(MIN_LEN));
    }
    if password.len() > MAX_LEN {
        return Err(PasswordError::TooLong(MAX_LEN));
    }
    Ok(())
}

/// In argon2 memory of its own, unmapped when the hash is done: from the
/// allocator, the 19 MiB stayed resident for ten seconds after each hash (the
/// one made at start-up included), to be handed out again.
pub fn hash(password: &str) -> Result<String, PasswordError> {
    use argon2::password_hash::phc::{Output, ParamsString, Salt};
    use rand::Rng;
    fn failed<E>(_: E) -> PasswordError {
        PasswordError::Hash
    }
    let argon2 = Argon2::default();
    let mut salt = [0u8; Salt::RECOMMENDED_LENGTH];
    rand::rng().fill_bytes(&mut salt);
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let mut scratch = Scratch::default();
    let memory = scratch
        .blocks(argon2.params().block_count())
        .map_err(failed)?;
    argon2
        .hash_password_into_with_memory(password.as_bytes(), &salt, &mut out, memory)
        .map_err(failed)?;
    let phc = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon2.params()).map_err(failed)?,
        salt: Some(Salt::new(&salt).map_err(failed)?),
        hash: Some(Output::new(&out).map_err(failed)?),
    };
    Ok(phc.to_string())
}

/// Constant work whatever the outcome: a malformed stored hash verifies as false.
pub fn verify(password: &str, phc: &str) -> bool {
    verify_in(&mut Scratch::default(), password, phc)
}

/// The most argon2 memory a verification thread keeps between runs (64 MiB);
/// a stored hash asking for more gets a block of its own for that run.
const MAX_KEPT_BLOCKS: usize = 64 * 1024;

/// The size of a transparent huge page on x86-64 and arm64.
const HUGE_PAGE: usize = 2 << 20;

/// The most argon2 memory one verification may take (4 GiB): a stored hash
/// asking for more is refused before anything is mapped.
const MAX_BLOCKS: usize = 4 * 1024 * 1024;

/// Argon2 memory that a verification thread keeps between runs: an anonymous
/// mapping of its own, which the kernel is asked to back with 2 MiB pages.
/// Argon2 reads blocks at random across its 19 MiB; with 4 KiB pages almost
/// every such read missed the TLB first, and on 2 MiB pages a verification
/// takes about 5% less CPU. Where huge pages are unavailable the mapping works
/// as before with small pages. Nothing else shares the mapping, so the
/// allocator's memory never turns into huge pages.
#[derive(Default)]
pub struct Scratch {
    map: Option<memmap2::MmapMut>,
    /// The most blocks (1 KiB each) a run has used; the mapping may hold more.
    blocks: usize,
}

impl Scratch {
    /// How many argon2 blocks the largest run so far has used.
    pub fn len(&self) -> usize {
        self.blocks
    }

    pub fn is_empty(&self) -> bool {
        self.blocks == 0
    }

    /// The first `needed` blocks, growing the mapping when it is smaller.
    fn blocks(&mut self, needed: usize) -> std::io::Result<&mut [Block]> {
        if needed > MAX_BLOCKS {
            return Err(std::io::Error::other(format!(
                "the stored hash asks for {needed} KiB, more than a verification may take"
            )));
        }
        let size = std::mem::size_of::<Block>();
        let map = match &mut self.map {
            Some(map) if map.len() / size >= needed => map,
            _ => {
                let used = needed
                    .checked_mul(size)
                    .ok_or_else(|| std::io::Error::other("argon2 memory size overflows"))?;
                // Whole huge pages long, so that the kernel places the mapping
                // on a huge-page boundary; but only the huge pages that argon2
                // fills are asked for. The part of the last one it does not
                // use (1 MiB of 19) is never touched, and so never resident.
                let bytes = used
                    .checked_next_multiple_of(HUGE_PAGE)
                    .ok_or_else(|| std::io::Error::other("argon2 memory size overflows"))?;
                let map = memmap2::MmapMut::map_anon(bytes)?;
                let filled = used - used % HUGE_PAGE;
                #[cfg(target_os = "linux")]
                if filled > 0
                    && let Err(e) = map.advise_range(memmap2::Advice::HugePage, 0, filled)
                {
                    tracing::debug!("argon2 memory stays on small pages: {e}");
                }
                // Where huge pages are the system's default, the tail would
                // still come as one.
                #[cfg(target_os = "linux")]
                if filled < bytes {
                    let _ = map.advise_range(memmap2::Advice::NoHugePage, filled, bytes - filled);
                }
                self.map.insert(map)
            }
        };
        self.blocks = self.blocks.max(needed);
        // SAFETY: the mapping is page-aligned (a Block needs 64 bytes), at least
        // `needed` blocks long, zero-filled or left by earlier runs, and any bytes
        // are a valid Block (128 u64s). The slice borrows `self` mutably, so the
        // mapping outlives it and nothing else reads or writes it meanwhile.
        Ok(unsafe { std::slice::from_raw_parts_mut(map.as_mut_ptr().cast::<Block>(), needed) })
    }
}

/// [`verify`] with the caller's argon2 memory; memory that cannot be had
/// verifies as false here (see [`try_verify_in`]).
pub fn verify_in(scratch: &mut Scratch, password: &str, phc: &str) -> bool {
    try_verify_in(scratch, password, phc).unwrap_or_else(|e| {
        tracing::error!("no memory for an argon2 verification: {e}");
        false
    })
}

/// Verifies with the caller's argon2 memory. A verification thread keeps one
/// [`Scratch`] for all its runs: allocating and faulting in 19 MiB per login
/// cost more than a tenth of the hash itself. Argon2 overwrites every block in
/// its first pass, so what a previous run left there has no effect. The
/// comparison with the stored output is constant-time. An error means the
/// memory could not be had: nothing was checked, which is not a wrong password.
pub fn try_verify_in(scratch: &mut Scratch, password: &str, phc: &str) -> std::io::Result<bool> {
    if password.len() > MAX_LEN {
        return Ok(false);
    }
    let Ok(parsed) = PasswordHash::new(phc) else {
        return Ok(false);
    };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return Ok(false);
    };
    let argon2 = match (
        Algorithm::try_from(parsed.algorithm.as_str()),
        parsed.version.map(Version::try_from).transpose(),
        Params::try_from(&parsed),
    ) {
        (Ok(alg), Ok(version), Ok(params)) => Argon2::new(alg, version.unwrap_or_default(), params),
        _ => return Ok(false),
    };
    let needed = argon2.params().block_count();
    let mut own = Scratch::default();
    let memory = if needed <= MAX_KEPT_BLOCKS {
        scratch.blocks(needed)?
    } else {
        own.blocks(needed)?
    };
    let mut out = vec![0u8; expected.len()];
    Ok(argon2
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, memory)
        .is_ok()
        && crate::secrets::ct_eq_bytes(&out, expected.as_bytes()))
}

/// How long a verification thread keeps its argon2 memory after its last run:
/// during a wave of logins each run reuses it; an idle server holds none.
const KEEP_MEMORY_WHILE_IDLE: std::time::Duration = std::time::Duration::from_secs(2);

/// A job for the verification threads: password, stored hash, where to answer.
type Job = (
    String,
    String,
    tokio::sync::oneshot::Sender<std::io::Result<bool>>,
);

/// How many checks may wait per verification thread when no bound is configured:
/// at tens of milliseconds per run, a few seconds of work.
pub const QUEUED_PER_THREAD: usize = 64;

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// Every place in the queue is taken: the caller answers 503 at once rather
    /// than letting a flood of logins queue without limit.
    #[error("too many password checks are waiting")]
    Busy,
    #[error("the password verification threads have stopped")]
    Stopped,
    /// The verification could not have its argon2 memory: nothing was
    /// checked, so the caller answers 503 and counts no failure.
    #[error("no memory for the password check: {0}")]
    NoMemory(String),
}

/// Verifies passwords on a fixed set of threads, one per core. Each argon2id
/// run fills 19 MiB. On tokio's blocking pool every run could land on another
/// thread, and the allocator kept 19 MiB per thread that had ever hashed (RSS
/// grew to hundreds of MB after a burst of logins), while N simultaneous runs on
/// the same cores thrashed each other's caches. Here at most one run per core
/// is in flight, each thread reuses its own memory while logins keep coming
/// and frees it when they stop, and waiting logins queue without holding a
/// thread or memory, up to a bound: beyond it they are refused at once.
#[derive(Clone)]
pub struct Verifier {
    jobs: std::sync::mpsc::SyncSender<Job>,
    runs: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Verifier {
    /// One thread per core available to this process; `max_queued` checks may
    /// wait (None: [`QUEUED_PER_THREAD`] per thread).
    pub fn start(max_queued: Option<usize>) -> std::io::Result<Self> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self::with_threads(cores, max_queued.unwrap_or(cores * QUEUED_PER_THREAD))
    }

    /// The threads end when the last clone of the verifier is dropped.
    pub fn with_threads(threads: usize, max_queued: usize) -> std::io::Result<Self> {
        let (jobs, queue) = std::sync::mpsc::sync_channel::<Job>(max_queued.max(1));
        let queue = std::sync::Arc::new(std::sync::Mutex::new(queue));
        let runs = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        for i in 0..threads.max(1) {
            let queue = queue.clone();
            let runs = runs.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    let mut scratch = Scratch::default();
                    loop {
                        let job = match queue.lock() {
                            Ok(q) => q.recv_timeout(KEEP_MEMORY_WHILE_IDLE),
                            Err(_) => return,
                        };
                        match job {
                            Ok((password, phc, reply)) => {
                                runs.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                                let _ = reply.send(try_verify_in(&mut scratch, &password, &phc));
                            }
                            // No login for a while: give the block back.
                            Err(RecvTimeoutError::Timeout) => scratch = Scratch::default(),
                            Err(RecvTimeoutError::Disconnected) => return,
                        }
                    }
                })?;
        }
        Ok(Self { jobs, runs })
    }

    /// [`verify`] on one of the verification threads.
    pub async fn verify(&self, password: String, phc: String) -> Result<bool, VerifyError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.jobs
            .try_send((password, phc, reply))
            .map_err(|e| match e {
                std::sync::mpsc::TrySendError::Full(_) => VerifyError::Busy,
                std::sync::mpsc::TrySendError::Disconnected(_) => VerifyError::Stopped,
            })?;
        answer
            .await
            .map_err(|_| VerifyError::Stopped)?
            .map_err(|e| VerifyError::NoMemory(e.to_string()))
    }

    /// How many argon2 runs these threads have made: what a lock-out must bound.
    pub fn runs(&self) -> u64 {
        self.runs.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Why a new password could not be hashed.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// As many hashes as [`MAX_HASHES_WAITING`] already wait: refused at once
    /// (503), as a full verification queue is.
    #[error("too many passwords are being set at this moment")]
    Busy,
    #[error("password hashing failed")]
    Failed,
}

/// Most new passwords hashed at once, per core: each run fills 19 MiB, and a
/// burst of set-password, sign-up or account-page posts (one link or session,
/// posted many times in parallel) must not start as many runs as it has posts.
const HASHES_PER_CORE: usize = 1;
/// Most new passwords waiting for their turn, per core; beyond, refused.
pub const MAX_HASHES_WAITING: usize = 16;

struct HashGate {
    running: tokio::sync::Semaphore,
    /// Running and waiting.
    admitted: std::sync::atomic::AtomicUsize,
    max_admitted: usize,
}

static HASH_GATE: std::sync::LazyLock<HashGate> = std::sync::LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    HashGate {
        running: tokio::sync::Semaphore::new(cores * HASHES_PER_CORE),
        admitted: std::sync::atomic::AtomicUsize::new(0),
        max_admitted: cores * (HASHES_PER_CORE + MAX_HASHES_WAITING),
    }
});

/// Counts one admitted hash until dropped.
struct Admitted;

impl Drop for Admitted {
    fn drop(&mut self) {
        HASH_GATE
            .admitted
            .fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
    }
}

/// [`hash`] off the async threads, at most one run per core at a time and a
/// bounded number waiting: every place that sets a password from a request
/// comes through here.
pub async fn hash_gated(password: String) -> Result<String, HashError> {
    use std::sync::atomic::Ordering;
    let gate = &*HASH_GATE;
    let before = gate.admitted.fetch_add(1, Ordering::AcqRel);
    let admitted = Admitted;
    if before >= gate.max_admitted {
        return Err(HashError::Busy);
    }
    let permit = gate
        .running
        .acquire()
        .await
        .map_err(|_| HashError::Failed)?;
    // Held by the run itself: a request that goes away while its hash runs
    // does not give back a place the run still takes.
    tokio::task::spawn_blocking(move || {
        let _held = (permit, admitted);
        hash(&password)
    })
    .await
    .map_err(|_| HashError::Failed)?
    .map_err(|_| HashError::Failed)
}

/// A hash to verify against when the user does not exist, so an unknown
/// username costs the same time as a wrong password and leaks nothing.
pub fn dummy_hash() -> String {
    hash("portcullis-dummy-password-for-timing").unwrap_or_else(|_| {
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$9sTbSlTio3Biev89thdrlKKiCaYsjjYVJxGAL3swxpQ".into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::{PasswordHasher, PasswordVerifier};

    #[test]
    fn hash_then_verify() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert_ne!(h, hash("correct horse battery").unwrap(), "a salt each");
        let parsed = PasswordHash::new(&h).unwrap();
        assert_eq!(parsed.salt.unwrap().len(), 16);
        assert!(
            Argon2::default()
                .verify_password(b"correct horse battery", &parsed)
                .is_ok()
        );
        assert!(verify("correct horse battery", &h));
        assert!(!verify("wrong", &h));
        assert!(!verify("x", "not a hash"));
    }

    #[tokio::test]
    async fn verifier_threads_answer_every_check() {
        let h = hash("correct horse battery").unwrap();
        let v = Verifier::with_threads(1, 8).unwrap();
        let checks = (0..3).map(|i| {
            let (v, h) = (v.clone(), h.clone());
            let pw = if i == 1 {
                "wrong"
            } else {
                "correct horse battery"
            };
            async move { v.verify(pw.to_owned(), h).await.unwrap() }
        });
        let got = futures_util::future::join_all(checks).await;
        assert_eq!(got, vec![true, false, true]);
        assert!(!v.verify("x".into(), "not a hash".into()).await.unwrap());
        assert_eq!(v.runs(), 4);
    }

    /// A burst of new passwords (one link posted many times at once) runs one
    /// hash per core at a time and refuses what would wait beyond the bound.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_burst_of_new_passwords_is_bounded() {
        use std::sync::atomic::Ordering;
        let gate = &*HASH_GATE;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert_eq!(
            gate.max_admitted,
            cores * (HASHES_PER_CORE + MAX_HASHES_WAITING)
        );
        // Every run's place taken here: the burst can only wait.
        let held = gate
            .running
            .acquire_many((cores * HASHES_PER_CORE) as u32)
            .await
            .unwrap();
        let waiting: Vec<_> = (0..gate.max_admitted)
            .map(|i| tokio::spawn(hash_gated(format!("new-password-{i}"))))
            .collect();
        while gate.admitted.load(Ordering::Acquire) < gate.max_admitted {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        // Beyond the bound, refused at once.
        for _ in 0..8 {
            assert!(matches!(
                hash_gated("one-too-many".into()).await,
                Err(HashError::Busy)
            ));
        }
        drop(held);
        for (i, run) in waiting.into_iter().enumerate() {
            let hashed = run.await.unwrap().unwrap();
            if i == 0 {
                assert!(verify("new-password-0", &hashed));
            }
        }
        assert_eq!(gate.admitted.load(Ordering::Acquire), 0);
        assert!(hash_gated("after-the-burst".into()).await.is_ok());
    }

    #[tokio::test]
    async fn a_full_queue_refuses_at_once() {
        let h = hash("correct horse battery").unwrap();
        let v = Verifier::with_threads(1, 1).unwrap();
        let checks = (0..16).map(|_| v.verify("wrong".into(), h.clone()));
        let got = futures_util::future::join_all(checks).await;
        let busy = got
            .iter()
            .filter(|r| matches!(r, Err(VerifyError::Busy)))
            .count();
        // One thread and one queued place: a simultaneous burst cannot all wait.
        assert!(busy > 0, "{got:?}");
        assert!(
            got.iter()
                .all(|r| matches!(r, Ok(false) | Err(VerifyError::Busy)))
        );
    }

    #[test]
    fn kept_memory_verifies_like_the_crate_across_parameters() {
        use argon2::PasswordVerifier;
        let small = Params::new(8192, 1, 1, None).unwrap();
        let hashes = [
            hash("correct horse battery").unwrap(),
            Argon2::new(Algorithm::Argon2id, Version::V0x13, small.clone())
                .hash_password(b"correct horse battery")
                .unwrap()
                .to_string(),
            Argon2::new(Algorithm::Argon2i, Version::V0x10, small)
                .hash_password(b"correct horse battery")
                .unwrap()
                .to_string(),
        ];
        // One scratch for all, big hash first so smaller ones run in a dirty block.
        let mut scratch = Scratch::default();
        for h in hashes.iter().chain(hashes.iter().rev()) {
            for pw in ["correct horse battery", "correct horse batterx", ""] {
                let crate_says = Argon2::default()
                    .verify_password(pw.as_bytes(), h.as_str())
                    .is_ok();
                assert_eq!(verify_in(&mut scratch, pw, h), crate_says, "{pw:?} {h}");
            }
        }
        assert!(verify_in(&mut scratch, "correct horse battery", &hashes[0]));
        assert_eq!(scratch.len(), 19456, "kept at the largest size seen");
    }

    /// The kernel's flags for the mapping that holds `addr`.
    fn vm_flags_at(addr: usize) -> String {
        crate::memory::own_mappings()
            .unwrap()
            .into_iter()
            .find(|m| m.range.contains(&addr))
            .and_then(|m| m.field("VmFlags").map(str::to_owned))
            .unwrap_or_else(|| panic!("no mapping holds {addr:#x}"))
    }

    #[test]
    fn kept_memory_is_a_mapping_of_its_own_on_huge_pages() {
        let h = hash("correct horse battery").unwrap();
        let mut scratch = Scratch::default();
        assert!(verify_in(&mut scratch, "correct horse battery", &h));
        let map = scratch.map.as_ref().unwrap();
        let (addr, len) = (map.as_ptr() as usize, map.len());
        assert_eq!(len % HUGE_PAGE, 0, "whole huge pages: {len}");
        assert!(len >= 19456 * 1024);
        if std::path::Path::new("/sys/kernel/mm/transparent_hugepage/enabled").exists() {
            let flags = vm_flags_at(addr);
            assert!(
                flags.split(' ').any(|f| f == "hg"),
                "not advised for huge pages: {flags}"
            );
        }
        // A second run reuses the mapping rather than making another.
        assert!(!verify_in(&mut scratch, "wrong", &h));
        assert_eq!(scratch.map.as_ref().unwrap().as_ptr() as usize, addr);
        // Only what argon2 uses is resident: 19 MiB of the 20 mapped.
        let resident = resident_kib_in(addr, len);
        assert!(
            (19 * 1024..20 * 1024).contains(&resident),
            "{resident} KiB resident"
        );
    }

    /// The resident KiB of the mappings inside [addr, addr + len).
    fn resident_kib_in(addr: usize, len: usize) -> u64 {
        crate::memory::own_mappings()
            .unwrap()
            .iter()
            .filter(|m| m.range.start >= addr && m.range.end <= addr + len)
            .map(|m| m.kib("Rss"))
            .sum()
    }

    #[tokio::test]
    async fn a_hash_asking_for_too_much_memory_is_refused_unchecked() {
        // 256 GiB: refused before anything is mapped, and not a wrong password.
        let greedy = "$argon2id$v=19$m=268435455,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$9sTbSlTio3Biev89thdrlKKiCaYsjjYVJxGAL3swxpQ";
        let mut scratch = Scratch::default();
        assert!(try_verify_in(&mut scratch, "correct horse battery", greedy).is_err());
        assert!(scratch.is_empty());
        let v = Verifier::with_threads(1, 8).unwrap();
        let got = v
            .verify("correct horse battery".into(), greedy.into())
            .await;
        assert!(matches!(got, Err(VerifyError::NoMemory(_))), "{got:?}");
        // The thread is still there for the next check.
        let h = hash("correct horse battery").unwrap();
        assert!(v.verify("correct horse battery".into(), h).await.unwrap());
    }

    #[test]
    fn malformed_or_partial_hashes_verify_as_false() {
        let mut scratch = Scratch::default();
        let full = hash("correct horse battery").unwrap();
        let without_output = full.rsplit_once('$').unwrap().0;
        for phc in [
            "not a hash",
            "",
            without_output,
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$",
            "$scrypt$ln=15,r=8,p=1$c29tZXNhbHQ$aGFzaA",
        ] {
            assert!(
                !verify_in(&mut scratch, "correct horse battery", phc),
                "{phc}"
            );
        }
        assert!(!verify_in(&mut scratch, &"x".repeat(MAX_LEN + 1), &full));
    }

    #[test]
    fn new_password_rules() {
        assert!(validate_new("short").is_err());
        assert!(validate_new(&"x".repeat(2000)).is_err());
        assert!(validate_new("long enough").is_ok());
    }
}
