//! Admin actions on groups, audited like everything else here.

use serde_json::json;

use super::{AdminCtx, AdminError};
use crate::db::groups::{self, Group};
use crate::db::users;

pub async fn create(ctx: &AdminCtx, name: &str) -> Result<Group, AdminError> {
    let g = groups::create(&ctx.db, name).await?;
    ctx.audit("group_created", None, "success", json!({"group": g.name}))
        .await?;
    Ok(g)
}

pub async fn rename(ctx: &AdminCtx, id: &str, name: &str) -> Result<Group, AdminError> {
    let before = groups::find(&ctx.db, id).await?;
    let g = groups::rename(&ctx.db, &before.id, name).await?;
    ctx.audit(
        "group_renamed",
        None,
        "success",
        json!({"from": before.name, "to": g.name}),
    )
    .await?;
    Ok(g)
}

pub async fn delete(ctx: &AdminCtx, id: &str) -> Result<Group, AdminError> {
    let g = groups::delete(&ctx.db, id).await?;
    ctx.audit(
        "group_deleted",
        None,
        "success",
        json!({"group": g.name, "members": g.members}),
    )
    .await?;
    Ok(g)
}

pub async fn add_member(ctx: &AdminCtx, id: &str, user_id: &str) -> Result<Group, AdminError> {
    let g = groups::find(&ctx.db, id).await?;
    let user = users::find_by_id(&ctx.db, user_id)
        .await?
        .ok_or(AdminError::NotFound)?;
    groups::add_member(&ctx.db, &g.id, &user.id).await?;
    ctx.audit(
        "group_member_added",
        Some(&user),
        "success",
        json!({"group": g.name}),
    )
    .await?;
    Ok(groups::find(&ctx.db, &g.id).await?)
}

pub async fn remove_member(ctx: &AdminCtx, id: &str, user_id: &str) -> Result<Group, AdminError> {
    let g = groups::find(&ctx.db, id).await?;
    let user = users::find_by_id(&ctx.db, user_id)
        .await?
        .ok_or(AdminError::NotFound)?;
    if !groups::remove_member(&ctx.db, &g.id, &user.id).await? {
        return Err(AdminError::NotFound);
    }
    ctx.audit(
        "group_member_removed",
        Some(&user),
        "success",
        json!({"group": g.name}),
    )
    .await?;
    Ok(groups::find(&ctx.db, &g.id).await?)
}
