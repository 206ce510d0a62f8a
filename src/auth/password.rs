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

    #[test]
    fn new_password_rules() {
        assert!(validate_new("short").is_err());
        assert!(validate_new(&"x".repeat(2000)).is_err());
        assert!(validate_new("long enough").is_ok());
    }
}
