//! CSV imports kept in the database, so an import survives a restart and its
//! per-row results can be downloaded later: the import, its batches (each claimed
//! by one runner with a conditional update) and its rows with their results.

use entity::{import_batches, import_rows, imports};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::Serialize;

use super::{DbError, now};

/// A batch left `running` this long (the runner died) may be claimed again.
const STALE_SECS: i64 = 600;

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Problem {
    pub row: u64,
    pub message: String,
}

pub struct NewImport {
    pub actor: String,
    pub mode: String,
    pub batch_size: u64,
    pub notify: bool,
    pub problems: Vec<Problem>,
    pub rows: Vec<NewRow>,
}

pub struct NewRow {
    pub row_no: u64,
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub display_name: String,
    pub password_sealed: Option<String>,
    pub groups: Vec<String>,
    /// `pending`, or already final: `invalid` / `skipped` with `message`.
    pub status: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Import {
    pub id: String,
    pub actor: String,
    pub mode: String,
    pub batch_size: u64,
    pub total_rows: u64,
    pub batches: u64,
    pub notify: bool,
    pub problems: Vec<Problem>,
    pub created_at: i64,
}

impl From<imports::Model> for Import {
    fn from(m: imports::Model) -> Self {
        Self {
            id: m.id,
            actor: m.actor,
            mode: m.mode,
            batch_size: m.batch_size.max(0) as u64,
            total_rows: m.total_rows.max(0) as u64,
            batches: m.batches.max(0) as u64,
            notify: m.notify,
            problems: serde_json::from_str(&m.problems).unwrap_or_default(),
            created_at: m.created_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ImportRow {
    pub row: u64,
    pub batch: u64,
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub display_name: String,
    #[serde(skip)]
    pub password_sealed: Option<String>,
    pub groups: Vec<String>,
    pub status: String,
    pub message: String,
    pub user_id: Option<String>,
}

impl From<import_rows::Model> for ImportRow {
    fn from(m: import_rows::Model) -> Self {
        Self {
            row: m.row_no.max(0) as u64,
            batch: m.batch_no.max(0) as u64,
            username: m.username,
            email: m.email,
            first_name: m.first_name,
            last_name: m.last_name,
            display_name: m.display_name,
            password_sealed: m.password_sealed,
            groups: super::from_json_list(&m.groups),
            status: m.status,
            message: m.message,
            user_id: m.user_id,
        }
    }
}

pub async fn create(db: &DatabaseConnection, new: NewImport) -> Result<Import, DbError> {
    let id = uuid::Uuid::new_v4().to_string();
    let total = new.rows.len() as u64;
    let size = new.batch_size.max(1);
    let batches = total.div_ceil(size);
    let txn = super::begin_write(db).await?;
    let model = imports::ActiveModel {
        id: Set(id.clone()),
        actor: Set(new.actor),
        mode: Set(new.mode),
        batch_size: Set(size as i64),
        total_rows: Set(total as i64),
        batches: Set(batches as i64),
        notify: Set(new.notify),
        problems: Set(serde_json::to_string(&new.problems).unwrap_or_else(|_| "[]".into())),
        created_at: Set(now()),
    }
    .insert(&txn)
    .await?;
    for n in 1..=batches {
        import_batches::ActiveModel {
            import_id: Set(id.clone()),
            batch_no: Set(n as i64),
            status: Set("pending".into()),
            started_at: Set(None),
            finished_at: Set(None),
        }
        .insert(&txn)
        .await?;
    }
    for chunk in new.rows.chunks(500) {
        let models = chunk.iter().map(|r| import_rows::ActiveModel {
            import_id: Set(id.clone()),
            row_no: Set(r.row_no as i64),
            batch_no: Set(((r.row_no - 1) / size + 1) as i64),
            username: Set(r.username.clone()),
            email: Set(r.email.clone()),
            first_name: Set(r.first_name.clone()),
            last_name: Set(r.last_name.clone()),
            display_name: Set(r.display_name.clone()),
            password_sealed: Set(r.password_sealed.clone()),
            groups: Set(super::to_json_list(&r.groups)),
            status: Set(r.status.clone()),
            message: Set(r.message.clone()),
            user_id: Set(None),
        });
        import_rows::Entity::insert_many(models).exec(&txn).await?;
    }
    txn.commit().await?;
    Ok(model.into())
}

pub async fn get(db: &DatabaseConnection, id: &str) -> Result<Option<Import>, DbError> {
    Ok(imports::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .map(Import::from))
}

/// Row counts per status.
pub async fn counts(db: &DatabaseConnection, id: &str) -> Result<Vec<(String, u64)>, DbError> {
    let rows: Vec<(String, i64)> = import_rows::Entity::find()
        .select_only()
        .column(import_rows::Column::Status)
        .column_as(import_rows::Column::RowNo.count(), "n")
        .filter(import_rows::Column::ImportId.eq(id))
        .group_by(import_rows::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(s, n)| (s, n.max(0) as u64))
        .collect())
}

/// `(batch number, status)` for every batch, in order.
pub async fn batch_states(
    db: &DatabaseConnection,
    id: &str,
) -> Result<Vec<(u64, String)>, DbError> {
    Ok(import_batches::Entity::find()
        .filter(import_batches::Column::ImportId.eq(id))
        .order_by_asc(import_batches::Column::BatchNo)
        .all(db)
        .await?
        .into_iter()
        .map(|b| (b.batch_no.max(0) as u64, b.status))
        .collect())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    Claimed,
    Done,
    Running,
    Cancelled,
    NotFound,
}

/// A batch, or a row, that will not run: its import was cancelled first.
pub const CANCELLED: &str = "cancelled";

/// Cancels every batch of import `id` that has not begun, or whose runner
/// went silent (a batch running now finishes), with their rows, whose sealed
/// passwords are erased. Returns how many batches were cancelled.
pub async fn cancel(db: &DatabaseConnection, id: &str) -> Result<u64, DbError> {
    let t = now();
    let txn = super::begin_write(db).await?;
    let waiting = sea_orm::Condition::any()
        .add(import_batches::Column::Status.eq("pending"))
        .add(
            sea_orm::Condition::all()
                .add(import_batches::Column::Status.eq("running"))
                .add(import_batches::Column::StartedAt.lt(t - STALE_SECS)),
        );
    let batches: Vec<i64> = import_batches::Entity::find()
        .select_only()
        .column(import_batches::Column::BatchNo)
        .filter(import_batches::Column::ImportId.eq(id))
        .filter(waiting)
        // PostgreSQL: a runner's claim of one of these waits for this cancel,
        // then finds it cancelled (SQLite writes one at a time anyway).
        .lock_exclusive()
        .into_tuple()
        .all(&txn)
        .await?;
    import_batches::Entity::update_many()
        .col_expr(import_batches::Column::Status, Expr::value(CANCELLED))
        .col_expr(import_batches::Column::FinishedAt, Expr::value(t))
        .filter(import_batches::Column::ImportId.eq(id))
        .filter(import_batches::Column::BatchNo.is_in(batches.clone()))
        .exec(&txn)
        .await?;
    import_rows::Entity::update_many()
        .col_expr(import_rows::Column::Status, Expr::value(CANCELLED))
        .col_expr(
            import_rows::Column::Message,
            Expr::value("the import was cancelled before this row ran"),
        )
        .col_expr(
            import_rows::Column::PasswordSealed,
            Expr::value(Option::<String>::None),
        )
        .filter(import_rows::Column::ImportId.eq(id))
        .filter(import_rows::Column::BatchNo.is_in(batches.clone()))
        .filter(import_rows::Column::Status.eq("pending"))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(batches.len() as u64)
}

/// Whether import `id` was cancelled (any of its batches).
pub async fn is_cancelled<C: ConnectionTrait>(db: &C, id: &str) -> Result<bool, DbError> {
    Ok(import_batches::Entity::find()
        .filter(import_batches::Column::ImportId.eq(id))
        .filter(import_batches::Column::Status.eq(CANCELLED))
        .one(db)
        .await?
        .is_some())
}

/// Takes batch `n` for this runner: only one runner ever gets `Claimed` for a
/// pending batch (or for one whose runner went silent for `STALE_SECS`).
pub async fn claim_batch(db: &DatabaseConnection, id: &str, n: u64) -> Result<Claim, DbError> {
    // Nothing of a cancelled import runs again, a stale batch included.
    if is_cancelled(db, id).await? {
        return Ok(Claim::Cancelled);
    }
    let t = now();
    let res = import_batches::Entity::update_many()
        .col_expr(import_batches::Column::Status, Expr::value("running"))
        .col_expr(import_batches::Column::StartedAt, Expr::value(t))
        .filter(import_batches::Column::ImportId.eq(id))
        .filter(import_batches::Column::BatchNo.eq(n as i64))
        .filter(
            sea_orm::Condition::any()
                .add(import_batches::Column::Status.eq("pending"))
                .add(
                    sea_orm::Condition::all()
                        .add(import_batches::Column::Status.eq("running"))
                        .add(import_batches::Column::StartedAt.lt(t - STALE_SECS)),
                ),
        )
        .exec(db)
        .await?;
    if res.rows_affected == 1 {
        return Ok(Claim::Claimed);
    }
    Ok(
        match import_batches::Entity::find_by_id((id.to_owned(), n as i64))
            .one(db)
            .await?
        {
            None => Claim::NotFound,
            Some(b) if b.status == "done" => Claim::Done,
            Some(b) if b.status == CANCELLED => Claim::Cancelled,
            Some(_) => Claim::Running,
        },
    )
}

pub async fn finish_batch(db: &DatabaseConnection, id: &str, n: u64) -> Result<(), DbError> {
    import_batches::Entity::update_many()
        .col_expr(import_batches::Column::Status, Expr::value("done"))
        .col_expr(import_batches::Column::FinishedAt, Expr::value(now()))
        .filter(import_batches::Column::ImportId.eq(id))
        .filter(import_batches::Column::BatchNo.eq(n as i64))
        .exec(db)
        .await?;
    Ok(())
}

/// Rows of one batch (or of every batch with `None`), in row order.
pub async fn rows(
    db: &DatabaseConnection,
    id: &str,
    batch: Option<u64>,
) -> Result<Vec<ImportRow>, DbError> {
    let mut q = import_rows::Entity::find().filter(import_rows::Column::ImportId.eq(id));
    if let Some(n) = batch {
        q = q.filter(import_rows::Column::BatchNo.eq(n as i64));
    }
    Ok(q.order_by_asc(import_rows::Column::RowNo)
        .all(db)
        .await?
        .into_iter()
        .map(ImportRow::from)
        .collect())
}

/// Records a row's result and erases its sealed password.
pub async fn set_result<C: ConnectionTrait>(
    db: &C,
    id: &str,
    row: u64,
    status: &str,
    message: &str,
    user_id: Option<&str>,
) -> Result<(), DbError> {
    import_rows::Entity::update_many()
        .col_expr(import_rows::Column::Status, Expr::value(status))
        .col_expr(import_rows::Column::Message, Expr::value(message))
        .col_expr(
            import_rows::Column::UserId,
            Expr::value(user_id.map(str::to_owned)),
        )
        .col_expr(
            import_rows::Column::PasswordSealed,
            Expr::value(Option::<String>::None),
        )
        .filter(import_rows::Column::ImportId.eq(id))
        .filter(import_rows::Column::RowNo.eq(row as i64))
        .exec(db)
        .await?;
    Ok(())
}

/// Auto-mode imports with batches still to run: `(id, actor)`.
pub async fn unfinished_auto(db: &DatabaseConnection) -> Result<Vec<(String, String)>, DbError> {
    let ids: Vec<String> = import_batches::Entity::find()
        .select_only()
        .column(import_batches::Column::ImportId)
        .filter(import_batches::Column::Status.is_in(["pending", "running"]))
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    let mut live = Vec::with_capacity(ids.len());
    for id in ids {
        if !is_cancelled(db, &id).await? {
            live.push(id);
        }
    }
    let ids = live;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(imports::Entity::find()
        .filter(imports::Column::Id.is_in(ids))
        .filter(imports::Column::Mode.eq("auto"))
        .order_by_asc(imports::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m.actor))
        .collect())
}
