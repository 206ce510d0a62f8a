//! Second factors: the TOTP seed (sealed) with its last accepted step, and
//! single-use recovery codes (digests only).

use entity::{recovery_codes, totp_factors, users, webauthn_credentials};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QuerySelect, Set,
};

use super::{DbError, now};
use crate::auth::sealing::SecretBox;
use crate::secrets;

pub const RECOVERY_CODES: usize = 10;

/// A user's TOTP seed, opened.
pub struct TotpFactor {
    pub secret: Vec<u8>,
    pub last_step: i64,
}

pub async fn has_totp(db: &DatabaseConnection, user_id: &str) -> Result<bool, DbError> {
    Ok(totp_factors::Entity::find_by_id(user_id.to_owned())
        .count(db)
        .await?
        > 0)
}

pub async fn totp(
    db: &DatabaseConnection,
    sealer: &SecretBox,
    user_id: &str,
) -> Result<Option<TotpFactor>, DbError> {
    let Some(m) = totp_factors::Entity::find_by_id(user_id.to_owned())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let secret = sealer
        .open(&m.secret_enc)
        .map_err(|e| DbError::Other(e.to_string()))?;
    Ok(Some(TotpFactor {
        secret,
        last_step: m.last_step,
    }))
}

/// Replaces the user's TOTP seed, with `used_step` the time step already
/// used (the one whose code confirmed an enrollment; 0 for none): stored with
/// the seed, so the confirming code never passes a sign-in, not even between
/// two statements.
pub async fn set_totp(
    db: &DatabaseConnection,
    sealer: &SecretBox,
    user_id: &str,
    secret: &[u8],
    used_step: i64,
) -> Result<(), DbError> {
    let txn = super::begin_write(db).await?;
    totp_factors::Entity::delete_by_id(user_id.to_owned())
        .exec(&txn)
        .await?;
    totp_factors::ActiveModel {
        user_id: Set(user_id.to_owned()),
        secret_enc: Set(sealer.seal(secret)),
        last_step: Set(used_step),
        created_at: Set(now()),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Records `step` as used, only if it is newer than every step used before: the
/// conditional update makes a replayed code fail even across instances.
pub async fn accept_step(
    db: &DatabaseConnection,
    user_id: &str,
    step: i64,
) -> Result<bool, DbError> {
    let res = totp_factors::Entity::update_many()
        .col_expr(totp_factors::Column::LastStep, Expr::value(step))
        .filter(totp_factors::Column::UserId.eq(user_id))
        .filter(totp_factors::Column::LastStep.lt(step))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

fn normalize_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_uppercase()
}

/// Looks like a recovery code rather than a 6-digit TOTP code.
pub fn is_recovery_code_shape(code: &str) -> bool {
    let n = normalize_code(code);
    n.len() == 10 && n.bytes().any(|b| b.is_ascii_alphabetic())
}

/// 32 symbols: each random byte's low five bits pick one uniformly, so a code
/// holds 50 random bits.
const ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

fn new_code() -> String {
    let raw = secrets::random_bytes(10);
    let mut out = String::new();
    for (i, b) in raw.iter().enumerate() {
        if i == 5 {
            out.push('-');
        }
        out.push(ALPHABET[usize::from(b & 31)] as char);
    }
    // Guarantee at least one letter, so codes never look like TOTP codes.
    if !out.bytes().any(|b| b.is_ascii_alphabetic()) {
        out.replace_range(0..1, "K");
    }
    out
}

/// Replaces the user's recovery codes with fresh ones; returns them, once.
/// Two renewals at once leave one set, the one answered last: on PostgreSQL
/// the user's row lock makes the second wait until the first committed (else
/// both would delete the old codes and both insert theirs, and a set nobody
/// kept would stay valid); on SQLite the write transaction does.
pub async fn new_recovery_codes(
    db: &DatabaseConnection,
    sealer: &SecretBox,
    user_id: &str,
) -> Result<Vec<String>, DbError> {
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_code()).collect();
    let txn = super::begin_write(db).await?;
    users::Entity::find_by_id(user_id.to_owned())
        .lock_exclusive()
        .one(&txn)
        .await?;
    remove_recovery_codes(&txn, user_id).await?;
    let t = now();
    for c in &codes {
        recovery_codes::ActiveModel {
            id: Set(uuid::Uuid::new_v4().to_string()),
            user_id: Set(user_id.to_owned()),
            code_hash: Set(sealer.code_digest(user_id, &normalize_code(c))),
            used_at: Set(None),
            created_at: Set(t),
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(codes)
}

/// Spends a recovery code; true exactly once per code, in whichever form it is
/// stored: keyed, keyed at start from a bare digest, or still bare.
pub async fn use_recovery_code(
    db: &DatabaseConnection,
    sealer: &SecretBox,
    user_id: &str,
    code: &str,
) -> Result<bool, DbError> {
    let code = normalize_code(code);
    // The bare SHA-256 still counts: an instance of an older version, during
    // a rolling upgrade, makes codes that way until it is replaced, and rows
    // not keyed yet count until the keying at start reaches them. Online it
    // tests one guess against one user's codes, as the keyed forms do.
    let bare = secrets::digest(&code);
    let digests = [
        sealer.code_digest(user_id, &code),
        sealer.wrap_legacy_digest(user_id, &bare),
        bare,
    ];
    let res = recovery_codes::Entity::update_many()
        .col_expr(recovery_codes::Column::UsedAt, Expr::value(now()))
        .filter(recovery_codes::Column::UserId.eq(user_id))
        .filter(recovery_codes::Column::CodeHash.is_in(digests))
        .filter(recovery_codes::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// How many bare digests [`key_legacy_recovery_codes`] keys in one transaction.
const KEYING_BATCH: u64 = 500;

/// What [`key_legacy_recovery_codes`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keying {
    /// This many bare digests were keyed.
    Keyed(u64),
    /// The secrets key does not open the stored TOTP seeds (a new key, the
    /// wrong folder): keying under it would make every old code useless for
    /// good, so nothing was changed.
    WrongKey,
}

/// Keys every recovery code stored as a bare SHA-256 (before codes were
/// keyed), without knowing the codes: each digest is replaced by its HMAC
/// under the secrets key, which [`use_recovery_code`] checks. Run in the
/// background at start, so a database dump no longer tests guesses at any
/// code. In batches, each one transaction; a row changes only while it still
/// holds the bare digest, so instances starting together write one value,
/// and an interrupted run goes on at the next start.
pub async fn key_legacy_recovery_codes(
    db: &DatabaseConnection,
    sealer: &SecretBox,
) -> Result<Keying, DbError> {
    if let Some(seed) = totp_factors::Entity::find().one(db).await?
        && sealer.open(&seed.secret_enc).is_err()
    {
        return Ok(Keying::WrongKey);
    }
    let mut keyed = 0;
    loop {
        let rows = recovery_codes::Entity::find()
            .filter(recovery_codes::Column::CodeHash.not_like("h_:%"))
            .limit(KEYING_BATCH)
            .all(db)
            .await?;
        let txn = super::begin_write(db).await?;
        let mut batch = 0;
        for row in rows
            .iter()
            .filter(|r| !SecretBox::is_keyed_digest(&r.code_hash))
        {
            batch += recovery_codes::Entity::update_many()
                .col_expr(
                    recovery_codes::Column::CodeHash,
                    Expr::value(sealer.wrap_legacy_digest(&row.user_id, &row.code_hash)),
                )
                .filter(recovery_codes::Column::Id.eq(&row.id))
                .filter(recovery_codes::Column::CodeHash.eq(&row.code_hash))
                .exec(&txn)
                .await?
                .rows_affected;
        }
        txn.commit().await?;
        keyed += batch;
        // A batch that keyed nothing (rows keyed meanwhile by another
        // instance, or none left) ends the run.
        if batch == 0 || (rows.len() as u64) < KEYING_BATCH {
            return Ok(Keying::Keyed(keyed));
        }
    }
}

pub async fn remaining_recovery_codes(
    db: &DatabaseConnection,
    user_id: &str,
) -> Result<u64, DbError> {
    Ok(recovery_codes::Entity::find()
        .filter(recovery_codes::Column::UserId.eq(user_id))
        .filter(recovery_codes::Column::UsedAt.is_null())
        .count(db)
        .await?)
}

/// One second factor of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactorRef<'a> {
    /// The authenticator app, with its recovery codes.
    Totp,
    /// One security key, by its id.
    Key(&'a str),
}

/// What became of [`remove_keeping_one`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removed {
    Done,
    /// The user has no such factor.
    NotFound,
    /// It is the user's last second factor, and one must stay.
    LastFactor,
}

/// Removes a factor; with `keep_one`, only while another second factor stays.
/// The check and the delete are one transaction that holds the user's row
/// first, so two removals at once cannot each see the other's factor still
/// there and leave none: on PostgreSQL the row lock makes the second wait and
/// then read what the first committed; on SQLite the write transaction does.
pub async fn remove_keeping_one(
    db: &DatabaseConnection,
    user_id: &str,
    which: FactorRef<'_>,
    keep_one: bool,
) -> Result<Removed, DbError> {
    let txn = super::begin_write(db).await?;
    users::Entity::find_by_id(user_id.to_owned())
        .lock_exclusive()
        .one(&txn)
        .await?;
    let totp = totp_factors::Entity::find_by_id(user_id.to_owned())
        .count(&txn)
        .await?
        > 0;
    let keys: Vec<String> = webauthn_credentials::Entity::find()
        .filter(webauthn_credentials::Column::UserId.eq(user_id))
        .select_only()
        .column(webauthn_credentials::Column::Id)
        .into_tuple()
        .all(&txn)
        .await?;
    // Dropping the transaction without a commit rolls it back.
    let another_stays = match which {
        FactorRef::Totp if totp => !keys.is_empty(),
        FactorRef::Key(id) if keys.iter().any(|k| k == id) => totp || keys.len() > 1,
        _ => return Ok(Removed::NotFound),
    };
    if keep_one && !another_stays {
        return Ok(Removed::LastFactor);
    }
    match which {
        FactorRef::Totp => {
            totp_factors::Entity::delete_by_id(user_id.to_owned())
                .exec(&txn)
                .await?;
            remove_recovery_codes(&txn, user_id).await?;
        }
        FactorRef::Key(id) => {
            webauthn_credentials::Entity::delete_many()
                .filter(webauthn_credentials::Column::UserId.eq(user_id))
                .filter(webauthn_credentials::Column::Id.eq(id))
                .exec(&txn)
                .await?;
        }
    }
    txn.commit().await?;
    Ok(Removed::Done)
}

/// Removes the user's recovery codes (their app was replaced or removed: the
/// codes that stood in for it go with it), alone or inside a transaction.
pub async fn remove_recovery_codes<C: ConnectionTrait>(
    db: &C,
    user_id: &str,
) -> Result<u64, DbError> {
    Ok(recovery_codes::Entity::delete_many()
        .filter(recovery_codes::Column::UserId.eq(user_id))
        .exec(db)
        .await?
        .rows_affected)
}

/// Removes every factor and recovery code (admin "reset MFA").
pub async fn remove_all(db: &DatabaseConnection, user_id: &str) -> Result<(), DbError> {
    let txn = super::begin_write(db).await?;
    entity::webauthn_credentials::Entity::delete_many()
        .filter(entity::webauthn_credentials::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    totp_factors::Entity::delete_by_id(user_id.to_owned())
        .exec(&txn)
        .await?;
    remove_recovery_codes(&txn, user_id).await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every symbol comes up, about as often as any other: 50 random bits a
    /// code. (Taken from base64 text, five symbols never came up at all.)
    #[test]
    fn recovery_code_symbols_are_uniform() {
        let mut seen = [0u32; 32];
        for _ in 0..2000 {
            for b in new_code().bytes().filter(|b| *b != b'-') {
                let at = ALPHABET
                    .iter()
                    .position(|a| *a == b)
                    .expect("in the alphabet");
                seen[at] += 1;
            }
        }
        // 20,000 symbols: 625 each on average; 450..800 is over seven standard
        // deviations either way.
        for (i, n) in seen.iter().enumerate() {
            assert!(
                (450..800).contains(n),
                "{} came up {n} times",
                ALPHABET[i] as char
            );
        }
    }

    #[test]
    fn recovery_codes_never_look_like_totp_codes() {
        for _ in 0..200 {
            let c = new_code();
            assert_eq!(c.len(), 11);
            assert!(is_recovery_code_shape(&c));
        }
        assert!(!is_recovery_code_shape("123456"));
        assert_eq!(normalize_code("abcde-fghij"), "ABCDEFGHIJ");
    }
}
