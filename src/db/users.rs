//! Users and their groups.

use entity::{groups, user_groups, users};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set, TransactionSession, TransactionTrait,
};
use serde::Serialize;

pub use super::user_factors::{FactorsPresent, LoadCounter, find_with_factors};
use super::{DbError, now};
use crate::i18n::Lang;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: String,
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub display_name: String,
    pub active: bool,
    pub two_factor: bool,
    pub created_at: i64,
    pub last_login: Option<i64>,
    /// Moves on whenever an administrator ends all of the user's sessions and
    /// tokens: whatever was made in an earlier epoch no longer counts.
    #[serde(skip)]
    pub session_epoch: i64,
    /// The language of the user's mails, once known (`users.locale`).
    pub locale: Option<Lang>,
}

impl User {
    /// The `name` claim: the display name, else first and last name, else the username.
    pub fn full_name(&self) -> String {
        if !self.display_name.is_empty() {
            return self.display_name.clone();
        }
        let joined = format!("{} {}", self.first_name, self.last_name)
            .trim()
            .to_owned();
        if joined.is_empty() {
            self.username.clone()
        } else {
            joined
        }
    }
}

/// A user together with the stored password hash, for the login check only.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: User,
    pub password_hash: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub groups: Vec<String>,
    /// The language of the user's mails, when known at creation.
    pub locale: Option<Lang>,
}

impl From<users::Model> for User {
    fn from(m: users::Model) -> Self {
        Self {
            id: m.id,
            username: m.username,
            email: m.email,
            first_name: m.first_name,
            last_name: m.last_name,
            display_name: m.display_name,
            active: m.status == "active",
            two_factor: m.two_factor,
            created_at: m.created_at,
            last_login: m.last_login,
            session_epoch: m.session_epoch,
            locale: m.locale.as_deref().and_then(Lang::from_tag),
        }
    }
}

/// What the admin search matches against: every searchable field, lower-cased,
/// in one column, so a search is one LIKE per row (and can be index-only).
pub fn search_text(fields: &[&str]) -> String {
    fields
        .iter()
        .map(|f| f.trim().to_lowercase())
        .collect::<Vec<_>>()
        .join("\u{1f}")
}

/// Usernames and emails compare case-insensitively: they are stored lower-cased.
pub fn normalize(s: &str) -> String {
    s.trim().to_lowercase()
}

/// The most characters of a first, last or display name.
pub const MAX_NAME: usize = 200;

/// A person's names go into pages and mails: no control characters (a line
/// break would start a paragraph of its own in a mail), at most [`MAX_NAME`].
pub fn validate_names(names: &[(&str, &str)]) -> Result<(), DbError> {
    for (field, v) in names {
        if v.chars().count() > MAX_NAME {
            return Err(DbError::Invalid(format!(
                "{field} is longer than {MAX_NAME} characters"
            )));
        }
        if v.contains(char::is_control) {
            return Err(DbError::Invalid(format!(
                "{field} must not contain control characters (line breaks, tabs …)"
            )));
        }
        if v.contains(is_noncharacter) {
            return Err(DbError::Invalid(format!(
                "{field} must not contain Unicode noncharacters (such as U+FFFE)"
            )));
        }
    }
    Ok(())
}

/// `v` made fit for [`validate_names`]: control characters become spaces and
/// the rest is cut at [`MAX_NAME`] characters. For names that come from
/// elsewhere (an upstream identity provider), which are taken, not refused.
pub fn fit_name(v: &str) -> String {
    without_controls(v)
        .chars()
        .take(MAX_NAME)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// `v` with its control characters (tabs, line breaks …) made spaces, trimmed.
pub fn without_controls(v: &str) -> String {
    v.chars()
        .map(|c| {
            if c.is_control() || is_noncharacter(c) {
                ' '
            } else {
                c
            }
        })
        .collect::<String>()
        .trim()
        .to_owned()
}

pub use super::usernames::validate_username;

/// Characters that reorder the text around them (Unicode bidi controls): in an
/// address they would make it read as another in the console or a mail.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Unicode's noncharacters (U+FDD0–U+FDEF and the last two code points of
/// every plane), never meant to be exchanged. XML forbids U+FFFE and U+FFFF, so
/// a SAML assertion could not carry a name or an address holding them as it is.
pub fn is_noncharacter(c: char) -> bool {
    matches!(c, '\u{FDD0}'..='\u{FDEF}') || (c as u32) & 0xFFFE == 0xFFFE
}

pub fn validate_email(e: &str) -> Result<(), DbError> {
    // One `@`: every reader of the address (our domain checks, a service
    // provider, a mail client) finds the same domain in it. A quoted local
    // part with an `@` inside is refused with it.
    let ok = e.len() <= 254
        && !e.contains(char::is_whitespace)
        && !e
            .chars()
            .any(|c| c.is_control() || is_bidi_control(c) || is_noncharacter(c))
        && e.split_once('@').is_some_and(|(l, d)| {
            !l.is_empty()
                && !d.contains('@')
                && d.contains('.')
                && !d.starts_with('.')
                && !d.ends_with('.')
        });
    if ok {
        Ok(())
    } else {
        Err(DbError::Invalid(format!("invalid email {e:?}")))
    }
}

/// Creates a user with its groups in one transaction (a savepoint when `db` is
/// already a transaction, as in a CSV import batch).
pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    new: NewUser,
) -> Result<User, DbError> {
    let username = normalize(&new.username);
    let email = normalize(&new.email);
    validate_username(&username)?;
    validate_email(&email)?;
    validate_names(&[
        ("first_name", &new.first_name),
        ("last_name", &new.last_name),
        ("display_name", &new.display_name),
    ])?;
    let txn = super::begin_write(db).await?;
    let t = now();
    let model = users::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        username: Set(username.clone()),
        email: Set(email.clone()),
        first_name: Set(new.first_name.trim().to_owned()),
        last_name: Set(new.last_name.trim().to_owned()),
        display_name: Set(new.display_name.trim().to_owned()),
        password_hash: Set(new.password_hash),
        status: Set("active".into()),
        two_factor: Set(true),
        created_at: Set(t),
        updated_at: Set(t),
        last_login: Set(None),
        session_epoch: Set(0),
        locale: Set(new.locale.map(|l| l.tag().to_owned())),
        search: Set(search_text(&[
            &username,
            &email,
            &new.first_name,
            &new.last_name,
            &new.display_name,
        ])),
    }
    .insert(&txn)
    .await
    .map_err(|e| match DbError::from(e) {
        DbError::Conflict(_) => DbError::Conflict("username or email already exists".into()),
        other => other,
    })?;
    for g in &new.groups {
        add_to_group(&txn, &model.id, g).await?;
    }
    txn.commit().await?;
    Ok(model.into())
}

/// Adds a membership, creating the group when it does not exist yet.
pub async fn add_to_group<C: ConnectionTrait>(
    db: &C,
    user_id: &str,
    group: &str,
) -> Result<(), DbError> {
    // A group first named here is made here: it meets the rules of one made
    // on its own.
    let name = super::groups::validate_name(group)?;
    let name = name.as_str();
    let gid = match groups::Entity::find()
        .filter(groups::Column::Name.eq(name))
        .one(db)
        .await?
    {
        Some(g) => g.id,
        None => {
            let g = groups::ActiveModel {
                id: Set(uuid::Uuid::new_v4().to_string()),
                name: Set(name.to_owned()),
                created_at: Set(now()),
            }
            .insert(db)
            .await?;
            g.id
        }
    };
    let exists = user_groups::Entity::find_by_id((user_id.to_owned(), gid.clone()))
        .one(db)
        .await?;
    if exists.is_none() {
        user_groups::ActiveModel {
            user_id: Set(user_id.to_owned()),
            group_id: Set(gid),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

pub async fn find_by_id(db: &DatabaseConnection, id: &str) -> Result<Option<User>, DbError> {
    Ok(users::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .map(User::from))
}

pub async fn find_by_username(
    db: &DatabaseConnection,
    username: &str,
) -> Result<Option<User>, DbError> {
    Ok(users::Entity::find()
        .filter(users::Column::Username.eq(normalize(username)))
        .one(db)
        .await?
        .map(User::from))
}

pub async fn credentials(
    db: &DatabaseConnection,
    username: &str,
) -> Result<Option<Credentials>, DbError> {
    Ok(users::Entity::find()
        .filter(users::Column::Username.eq(normalize(username)))
        .one(db)
        .await?
        .map(|m| {
            let password_hash = m.password_hash.clone();
            Credentials {
                user: m.into(),
                password_hash,
            }
        }))
}

/// Whether the user is a member of the group named `group`.
pub async fn in_group(
    db: &DatabaseConnection,
    user_id: &str,
    group: &str,
) -> Result<bool, DbError> {
    Ok(groups_of(db, user_id).await?.iter().any(|g| g == group))
}

pub async fn groups_of(db: &DatabaseConnection, user_id: &str) -> Result<Vec<String>, DbError> {
    let rows = user_groups::Entity::find()
        .filter(user_groups::Column::UserId.eq(user_id))
        .find_also_related(groups::Entity)
        .all(db)
        .await?;
    let mut names: Vec<String> = rows
        .into_iter()
        .filter_map(|(_, g)| g.map(|g| g.name))
        .collect();
    names.sort();
    Ok(names)
}

/// Stamps a sign-in, and the language it was made in when that is new (the
/// same write: no second round trip on a sign-in).
pub async fn record_login(
    db: &DatabaseConnection,
    user_id: &str,
    locale: Option<Lang>,
) -> Result<(), DbError> {
    let mut update = users::Entity::update_many().col_expr(
        users::Column::LastLogin,
        sea_orm::sea_query::Expr::value(now()),
    );
    if let Some(l) = locale {
        update = update.col_expr(
            users::Column::Locale,
            sea_orm::sea_query::Expr::value(l.tag()),
        );
    }
    update
        .filter(users::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn set_password_hash(
    db: &DatabaseConnection,
    user_id: &str,
    hash: String,
) -> Result<(), DbError> {
    set_column(db, user_id, users::Column::PasswordHash, hash).await
}

/// Sets the password hash only while the account is active: false when it was
/// disabled meanwhile (a link followed while an administrator disables the
/// account must not leave a password for when it is enabled again).
pub async fn set_password_hash_if_active(
    db: &DatabaseConnection,
    user_id: &str,
    hash: String,
) -> Result<bool, DbError> {
    write_password_hash(db, user_id, None, hash).await
}

/// Replaces the password hash only while it is still `expected` (the one the
/// caller verified the current password against) and the account is active:
/// false when another change came first, which then stands.
pub async fn replace_password_hash(
    db: &DatabaseConnection,
    user_id: &str,
    expected: &str,
    hash: String,
) -> Result<bool, DbError> {
    write_password_hash(db, user_id, Some(expected), hash).await
}

/// One conditional update: an active account, and its hash still `expected`
/// when given.
async fn write_password_hash(
    db: &DatabaseConnection,
    user_id: &str,
    expected: Option<&str>,
    hash: String,
) -> Result<bool, DbError> {
    let mut update = users::Entity::update_many()
        .col_expr(
            users::Column::PasswordHash,
            sea_orm::sea_query::Expr::value(hash),
        )
        .col_expr(
            users::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(now()),
        )
        .filter(users::Column::Id.eq(user_id))
        .filter(users::Column::Status.eq("active"));
    if let Some(expected) = expected {
        update = update.filter(users::Column::PasswordHash.eq(expected));
    }
    Ok(update.exec(db).await?.rows_affected == 1)
}

/// Sets one column of a user and stamps `updated_at`; NotFound when there is
/// no such user.
async fn set_column(
    db: &DatabaseConnection,
    user_id: &str,
    column: users::Column,
    value: impl Into<sea_orm::Value>,
) -> Result<(), DbError> {
    let res = users::Entity::update_many()
        .col_expr(column, sea_orm::sea_query::Expr::value(value))
        .col_expr(
            users::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(now()),
        )
        .filter(users::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        Err(DbError::NotFound)
    } else {
        Ok(())
    }
}

pub async fn list_all(db: &DatabaseConnection) -> Result<Vec<User>, DbError> {
    Ok(users::Entity::find()
        .order_by_asc(users::Column::Username)
        .all(db)
        .await?
        .into_iter()
        .map(User::from)
        .collect())
}

/// The per-user 2FA switch; off exempts from policy-driven 2FA only.
pub async fn set_two_factor(
    db: &DatabaseConnection,
    user_id: &str,
    on: bool,
) -> Result<(), DbError> {
    set_column(db, user_id, users::Column::TwoFactor, on).await
}

/// Remembers the language of the pages the user just used, for their mails;
/// writes only when it changed, so a sign-in in the same language costs nothing.
pub async fn remember_locale(
    db: &DatabaseConnection,
    user: &User,
    lang: Lang,
) -> Result<bool, DbError> {
    if user.locale == Some(lang) {
        return Ok(false);
    }
    users::Entity::update_many()
        .col_expr(
            users::Column::Locale,
            sea_orm::sea_query::Expr::value(lang.tag()),
        )
        .filter(users::Column::Id.eq(user.id.as_str()))
        .exec(db)
        .await?;
    Ok(true)
}

#[cfg(test)]
mod name_tests {
    use super::*;

    #[test]
    fn names_from_elsewhere_are_fitted_and_then_pass() {
        let taken = fit_name("  Ada\r\nBcc: x\u{0}  ");
        assert_eq!(taken, "Ada  Bcc: x");
        assert!(validate_names(&[("first_name", &taken)]).is_ok());
        assert!(validate_names(&[("first_name", "Ada\nLovelace")]).is_err());
        let long = "é".repeat(MAX_NAME + 5);
        assert_eq!(fit_name(&long).chars().count(), MAX_NAME);
        assert!(validate_names(&[("last_name", &long)]).is_err());
        assert!(validate_names(&[("last_name", &fit_name(&long))]).is_ok());
    }

    /// Every reader must find the same domain in an address: the upstream
    /// domain checks read the last `@`, a service provider may read the first.
    #[test]
    fn an_email_has_one_at_sign() {
        assert!(validate_email("ceo@corp.example").is_ok());
        assert!(validate_email("first.last+tag@mail.corp.example").is_ok());
        for bad in [
            "ceo@corp.example@acme.example",
            "\"ceo@corp.example\"@acme.example",
            "@acme.example",
            "ceo@acme",
            "ceo @acme.example",
            "ceo\u{1b}[0m@acme.example",
            "moc.emca\u{202E}@acme.example",
        ] {
            assert!(validate_email(bad).is_err(), "{bad}");
        }
    }

    /// A SAML assertion cannot carry U+FFFE or U+FFFF: an address or a name
    /// holding one (or any other noncharacter) is refused, not stored.
    #[test]
    fn noncharacters_are_refused_in_addresses_and_names() {
        for c in [
            '\u{FFFE}',
            '\u{FFFF}',
            '\u{FDD0}',
            '\u{FDEF}',
            '\u{1FFFE}',
            '\u{10FFFF}',
        ] {
            let email = format!("alice@corp.example{c}");
            assert!(validate_email(&email).is_err(), "{c:?}");
            let name = format!("Ali{c}ce");
            assert!(validate_names(&[("first_name", &name)]).is_err(), "{c:?}");
            assert_eq!(fit_name(&name), "Ali ce");
        }
        for fine in ['\u{FDCF}', '\u{FDF0}', '\u{FFFD}', '\u{1FFFD}'] {
            assert!(
                validate_email(&format!("al{fine}@corp.example")).is_ok(),
                "{fine:?}"
            );
            assert!(validate_names(&[("first_name", &format!("A{fine}"))]).is_ok());
        }
    }
}
