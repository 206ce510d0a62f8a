//! The login engine's one read of a user per request: the user row with
//! whether they have each kind of second factor, in one round trip, counted;
//! for a sign-in with a password, the same read by username.

use entity::{totp_factors, users, webauthn_credentials};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter, QueryResult,
    QuerySelect, Select,
};

use super::DbError;
use super::users::{Credentials, User, normalize};

/// Which second factors a user has registered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FactorsPresent {
    pub totp: bool,
    pub webauthn: bool,
}

/// Counts the loads of a user with their factors (from the directory, which
/// reads [`find_with_factors`] when its snapshot no longer counts), the read the
/// login engine makes once per request: tests compare it before and after a
/// request to prove that no layer loads the user again for itself.
#[derive(Debug, Default)]
pub struct LoadCounter(std::sync::atomic::AtomicU64);

impl LoadCounter {
    pub fn get(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn count(&self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// A user row with two `EXISTS` columns for its factors.
struct UserWithFactors(users::Model, FactorsPresent);

impl FromQueryResult for UserWithFactors {
    fn from_query_result(row: &QueryResult, pre: &str) -> Result<Self, sea_orm::DbErr> {
        Ok(Self(
            users::Model::from_query_result(row, pre)?,
            FactorsPresent {
                totp: row.try_get(pre, "has_totp")?,
                webauthn: row.try_get(pre, "has_webauthn")?,
            },
        ))
    }
}

/// `EXISTS (SELECT 1 FROM table WHERE table.user_id = users.id)`.
fn owns_any<E: EntityTrait>(table: E, user_id: E::Column) -> Expr {
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(table)
            .and_where(Expr::col((table, user_id)).equals((users::Entity, users::Column::Id)))
            .to_owned(),
    )
}

/// The user and which factors they have, in one round trip: what every
/// authorization request needs before it can decide.
pub async fn find_with_factors(
    db: &DatabaseConnection,
    id: &str,
) -> Result<Option<(User, FactorsPresent)>, DbError> {
    let row = with_factors(users::Entity::find_by_id(id.to_owned()), db).await?;
    Ok(row.map(|(m, f)| (m.into(), f)))
}

/// A sign-in's read of `username`: the user, their password hash and which
/// factors they have, in one round trip, so that the login, once the password
/// proved right, decides on this row rather than reading the user again.
pub async fn credentials_with_factors(
    db: &DatabaseConnection,
    username: &str,
) -> Result<Option<(Credentials, FactorsPresent)>, DbError> {
    let select = users::Entity::find().filter(users::Column::Username.eq(normalize(username)));
    let row = with_factors(select, db).await?;
    Ok(row.map(|(m, f)| {
        let password_hash = m.password_hash.clone();
        let credentials = Credentials {
            user: m.into(),
            password_hash,
        };
        (credentials, f)
    }))
}

/// The first user row `select` finds, with the two `EXISTS` columns.
async fn with_factors(
    select: Select<users::Entity>,
    db: &DatabaseConnection,
) -> Result<Option<(users::Model, FactorsPresent)>, DbError> {
    let row = select
        .column_as(
            owns_any(totp_factors::Entity, totp_factors::Column::UserId),
            "has_totp",
        )
        .column_as(
            owns_any(
                webauthn_credentials::Entity,
                webauthn_credentials::Column::UserId,
            ),
            "has_webauthn",
        )
        .into_model::<UserWithFactors>()
        .one(db)
        .await?;
    Ok(row.map(|UserWithFactors(m, f)| (m, f)))
}
