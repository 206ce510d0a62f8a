//! Admin actions on groups, audited like everything else here.

use serde_json::json;

use super::admin_group::{self, AdminGrant, Kept, Leaving};
use super::{AdminCtx, AdminError};
use crate::db::groups::{self, Group};
use crate::db::users;

pub async fn create(ctx: &AdminCtx, name: &str) -> Result<Group, AdminError> {
    let g = groups::create(&ctx.db, name).await?;
    ctx.audit("group_created", None, "success", json!({"group": g.name}))
        .await?;
    Ok(g)
}

/// Renaming a group with members to `admin.group` makes them administrators:
/// only with `admin_grant` allowed, and each of them is audited.
pub async fn rename(
    ctx: &AdminCtx,
    id: &str,
    name: &str,
    admin_grant: AdminGrant,
) -> Result<Group, AdminError> {
    let before = groups::find(&ctx.db, id).await?;
    let kept = if admin_group::is_admin_group(ctx, &before.name)
        && !admin_group::is_admin_group(ctx, name)
    {
        admin_group::keep_an_admin(ctx, Leaving::Everyone).await?
    } else {
        Kept::nothing()
    };
    let grants = admin_group::is_admin_group(ctx, name)
        && !admin_group::is_admin_group(ctx, &before.name)
        && before.members > 0;
    let grants = admin_group::check(ctx, grants, admin_grant)?;
    let g = groups::rename(&ctx.db, &before.id, name).await?;
    kept.release().await;
    ctx.audit(
        "group_renamed",
        None,
        "success",
        json!({"from": before.name, "to": g.name}),
    )
    .await?;
    if grants {
        for (user_id, _) in groups::members(&ctx.db, &g.id).await? {
            if let Some(user) = users::find_by_id(&ctx.db, &user_id).await? {
                admin_group::audit(ctx, &user, "group_renamed").await?;
            }
        }
    }
    Ok(g)
}

pub async fn delete(ctx: &AdminCtx, id: &str) -> Result<Group, AdminError> {
    let before = groups::find(&ctx.db, id).await?;
    let kept = if admin_group::is_admin_group(ctx, &before.name) {
        admin_group::keep_an_admin(ctx, Leaving::Everyone).await?
    } else {
        Kept::nothing()
    };
    let g = groups::delete(&ctx.db, &before.id).await?;
    kept.release().await;
    ctx.audit(
        "group_deleted",
        None,
        "success",
        json!({"group": g.name, "members": g.members}),
    )
    .await?;
    Ok(g)
}

/// Adding a member to `admin.group` needs `admin_grant` allowed, and is audited.
pub async fn add_member(
    ctx: &AdminCtx,
    id: &str,
    user_id: &str,
    admin_grant: AdminGrant,
) -> Result<Group, AdminError> {
    let g = groups::find(&ctx.db, id).await?;
    let user = users::find_by_id(&ctx.db, user_id)
        .await?
        .ok_or(AdminError::NotFound)?;
    let grants = admin_group::is_admin_group(ctx, &g.name)
        && !users::groups_of(&ctx.db, &user.id)
            .await?
            .iter()
            .any(|n| admin_group::is_admin_group(ctx, n));
    let grants = admin_group::check(ctx, grants, admin_grant)?;
    groups::add_member(&ctx.db, &g.id, &user.id).await?;
    if grants {
        admin_group::audit(ctx, &user, "group_member_added").await?;
    }
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
    let kept = if admin_group::is_admin_group(ctx, &g.name) {
        admin_group::keep_an_admin(ctx, Leaving::Users(&[&user.id])).await?
    } else {
        Kept::nothing()
    };
    if !groups::remove_member(&ctx.db, &g.id, &user.id).await? {
        return Err(AdminError::NotFound);
    }
    kept.release().await;
    ctx.audit(
        "group_member_removed",
        Some(&user),
        "success",
        json!({"group": g.name}),
    )
    .await?;
    Ok(groups::find(&ctx.db, &g.id).await?)
}
