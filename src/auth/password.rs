//! Password hashing with argon2id (RFC 9106 via the `argon2` crate defaults).
//! Hashing is CPU-bound for tens of milliseconds: callers run it on the blocking pool.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};

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

pub fn hash(password: &str) -> Result<String, PasswordError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|_| PasswordError::Hash)
}

/// Constant work whatever the outcome: a malformed stored hash verifies as false.
pub fn verify(password: &str, phc: &str) -> bool {
    if password.len() > MAX_LEN {
        return false;
    }
    Argon2::default()
        .verify_password(password.as_bytes(), phc)
        .is_ok()
}

/// A job for the verification threads: password, stored hash, where to answer.
type Job = (String, String, tokio::sync::oneshot::Sender<bool>);

/// Verifies passwords on a fixed set of threads, one per core. Each argon2id
/// run fills 19 MiB. On tokio's blocking pool every run could land on another
/// thread, and the allocator kept 19 MiB per thread that had ever hashed (RSS
/// grew to hundreds of MB after a burst of logins), while N simultaneous runs on
/// the same cores thrashed each other's caches. Here at most one run per core
/// is in flight, each thread reuses its own memory, and waiting logins queue
/// without holding a thread or memory.
#[derive(Clone)]
pub struct Verifier {
    jobs: std::sync::mpsc::Sender<Job>,
}

impl Verifier {
    /// One thread per core available to this process.
    pub fn start() -> std::io::Result<Self> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self::with_threads(cores)
    }

    /// The threads end when the last clone of the verifier is dropped.
    pub fn with_threads(threads: usize) -> std::io::Result<Self> {
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = std::sync::Arc::new(std::sync::Mutex::new(queue));
        for i in 0..threads.max(1) {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    loop {
                        let job = match queue.lock() {
                            Ok(q) => q.recv(),
                            Err(_) => return,
                        };
                        let Ok((password, phc, reply)) = job else {
                            return;
                        };
                        let _ = reply.send(verify(&password, &phc));
                    }
                })?;
        }
        Ok(Self { jobs })
    }

    /// [`verify`] on one of the verification threads; Err only when they failed.
    pub async fn verify(&self, password: String, phc: String) -> Result<bool, String> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.jobs
            .send((password, phc, reply))
            .map_err(|_| "the password verification threads have stopped".to_owned())?;
        answer
            .await
            .map_err(|_| "a password verification thread failed".to_owned())
    }
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

    #[test]
    fn hash_then_verify() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("wrong", &h));
        assert!(!verify("x", "not a hash"));
    }

    #[tokio::test]
    async fn verifier_threads_answer_every_check() {
        let h = hash("correct horse battery").unwrap();
        let v = Verifier::with_threads(1).unwrap();
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
    }

    #[test]
    fn new_password_rules() {
        assert!(validate_new("short").is_err());
        assert!(validate_new(&"x".repeat(2000)).is_err());
        assert!(validate_new("long enough").is_ok());
    }
}
