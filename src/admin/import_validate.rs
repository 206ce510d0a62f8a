//! Validating a CSV import: parse the file, decide each row (a problem, skipped,
//! or pending with what it may do), and store it; nothing runs yet.

use serde::Serialize;
use serde_json::json;

use super::admin_group::{self, AdminGrant};
use super::csv_import::{self, Verdict};
use super::import_run::{MAX_BATCH, Mode};
use super::{AdminCtx, AdminError};
use crate::db::imports::{self, ImportRow, NewImport, NewRow, Problem};

/// The validation answer: `{id, total_rows, batches, problems}` and a preview.
#[derive(Debug, Clone, Serialize)]
pub struct Validated {
    pub id: String,
    pub mode: String,
    pub total_rows: u64,
    pub batches: u64,
    pub batch_size: u64,
    pub problems: Vec<Problem>,
    pub skipped: u64,
    pub ignored_columns: Vec<String>,
    pub preview: Vec<ImportRow>,
}

/// How an import is to run, decided when it is validated.
#[derive(Debug, Clone, Copy)]
pub struct ImportOptions {
    pub mode: Mode,
    pub batch_size: u64,
    pub notify: bool,
    /// Whether rows may put users into `admin.group` (else such rows are problems).
    pub admin_grant: AdminGrant,
}

/// [`validate_and_store_with`] without the admin-group grant.
pub async fn validate_and_store(
    ctx: &AdminCtx,
    data: &[u8],
    mode: Mode,
    batch_size: u64,
    notify: bool,
) -> Result<Validated, AdminError> {
    let opts = ImportOptions {
        mode,
        batch_size,
        notify,
        admin_grant: AdminGrant::Refused,
    };
    validate_and_store_with(ctx, data, opts).await
}

/// Parses and validates the file and stores it as an import; runs nothing yet.
pub async fn validate_and_store_with(
    ctx: &AdminCtx,
    data: &[u8],
    opts: ImportOptions,
) -> Result<Validated, AdminError> {
    let ImportOptions {
        mode,
        batch_size,
        notify,
        admin_grant,
    } = opts;
    if batch_size == 0 || batch_size > MAX_BATCH {
        return Err(AdminError::Invalid(format!(
            "batch_size: between 1 and {MAX_BATCH}"
        )));
    }
    let parsed = csv_import::parse(data).map_err(AdminError::Invalid)?;
    let mut problems = Vec::new();
    let mut rows = Vec::with_capacity(parsed.rows.len());
    let mut skipped = 0;
    let mut admin_rows = 0;
    for mut r in parsed.rows {
        let mut note = "";
        if r.verdict == Verdict::Ok {
            match admin_group::import_row(ctx, &r.user.groups, admin_grant) {
                Ok(n) => note = n,
                Err(problem) => r.verdict = Verdict::Invalid(problem),
            }
        }
        if !note.is_empty() {
            admin_rows += 1;
        }
        let (status, message) = match &r.verdict {
            Verdict::Ok => ("pending", note.to_owned()),
            Verdict::Invalid(m) => {
                problems.push(Problem {
                    row: r.row as u64,
                    message: m.clone(),
                });
                ("invalid", m.clone())
            }
            Verdict::Skip(m) => {
                skipped += 1;
                ("skipped", m.clone())
            }
        };
        // A password from the file waits sealed (AES-256-GCM) until its row runs.
        let password_sealed = match (&r.verdict, &r.user.password) {
            (Verdict::Ok, Some(p)) => Some(ctx.sealer.seal(p.as_bytes())),
            _ => None,
        };
        rows.push(NewRow {
            row_no: r.row as u64,
            username: r.user.username,
            email: r.user.email,
            first_name: r.user.first_name,
            last_name: r.user.last_name,
            display_name: r.user.display_name,
            password_sealed,
            groups: r.user.groups,
            status: status.into(),
            message,
        });
    }
    let import = imports::create(
        &ctx.db,
        NewImport {
            actor: ctx.actor.clone(),
            mode: mode.as_str().into(),
            batch_size,
            notify,
            problems: problems.clone(),
            rows,
        },
    )
    .await?;
    ctx.audit(
        "import_validated",
        None,
        "success",
        json!({"import": import.id, "rows": import.total_rows, "problems": problems.len(),
               "admin_group_rows": admin_rows}),
    )
    .await?;
    let preview = imports::rows(&ctx.db, &import.id, Some(1))
        .await?
        .into_iter()
        .take(20)
        .collect();
    Ok(Validated {
        id: import.id,
        mode: import.mode,
        total_rows: import.total_rows,
        batches: import.batches,
        batch_size: import.batch_size,
        problems,
        skipped,
        ignored_columns: parsed.ignored_columns,
        preview,
    })
}
