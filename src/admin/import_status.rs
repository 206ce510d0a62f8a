//! What an import looks like from outside: status and progress, and the per-row
//! results as CSV.

use serde::Serialize;
use serde_json::json;

use super::{AdminCtx, AdminError};
use crate::db::imports::{self, Import};
use crate::error::Failure;

#[derive(Debug, Clone, Serialize)]
pub struct Status {
    #[serde(flatten)]
    pub import: Import,
    /// `ready` (nothing ran), `running`, `done`, or `cancelled` (once no
    /// batch of a cancelled import is still running).
    pub status: &'static str,
    pub batches_done: u64,
    pub processed: u64,
    /// 0.0 to 1.0, by rows.
    pub progress: f64,
    pub counts: serde_json::Map<String, serde_json::Value>,
    pub batch_status: Vec<serde_json::Value>,
}

pub async fn status(ctx: &AdminCtx, id: &str) -> Result<Status, AdminError> {
    let import = imports::get(&ctx.db, id)
        .await?
        .ok_or(AdminError::NotFound)?;
    let states = imports::batch_states(&ctx.db, id).await?;
    let mut counts = serde_json::Map::new();
    for k in [
        "pending",
        "created",
        "exists",
        "invalid",
        "skipped",
        "failed",
        "cancelled",
    ] {
        counts.insert(k.into(), json!(0));
    }
    for (s, n) in imports::counts(&ctx.db, id).await? {
        counts.insert(s, json!(n));
    }
    let done = states.iter().filter(|(_, s)| s == "done").count() as u64;
    let started = states.iter().any(|(_, s)| s != "pending");
    let status = if done == import.batches {
        "done"
    } else if states.iter().any(|(_, s)| s == imports::CANCELLED)
        && !states.iter().any(|(_, s)| s == "running")
    {
        "cancelled"
    } else if started || import.mode == "auto" {
        "running"
    } else {
        "ready"
    };
    // Batch n holds rows (n-1)*size+1 ..= n*size; the last one may be shorter.
    let size = import.batch_size.max(1);
    let processed: u64 = states
        .iter()
        .filter(|(_, s)| s == "done")
        .map(|(n, _)| size.min(import.total_rows.saturating_sub((n - 1) * size)))
        .sum();
    Ok(Status {
        status,
        batches_done: done,
        processed,
        progress: if import.total_rows == 0 {
            1.0
        } else {
            processed as f64 / import.total_rows as f64
        },
        counts,
        batch_status: states
            .into_iter()
            .map(|(n, s)| json!({"batch": n, "status": s}))
            .collect(),
        import,
    })
}

/// Per-row results as CSV. Cells that a spreadsheet would run as a formula are
/// prefixed with `'` (CSV injection).
pub async fn results_csv(ctx: &AdminCtx, id: &str) -> Result<Vec<u8>, AdminError> {
    imports::get(&ctx.db, id)
        .await?
        .ok_or(AdminError::NotFound)?;
    let rows = imports::rows(&ctx.db, id, None).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| AdminError::Failure(Failure::Internal(e.to_string()));
    w.write_record([
        "row", "batch", "username", "email", "status", "message", "user_id",
    ])
    .map_err(fail)?;
    for r in rows {
        w.write_record([
            r.row.to_string(),
            r.batch.to_string(),
            safe_cell(&r.username),
            safe_cell(&r.email),
            r.status,
            safe_cell(&r.message),
            r.user_id.unwrap_or_default(),
        ])
        .map_err(fail)?;
    }
    w.into_inner()
        .map_err(|e| AdminError::Failure(Failure::Internal(e.to_string())))
}

fn safe_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}
