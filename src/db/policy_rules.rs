//! Policy rules stored in the database, so they can be edited while running.

use entity::policy_rules;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, QueryOrder, Set};

use super::{DbError, now};
use crate::auth::acr::AcrRegistry;
use crate::auth::policy::{Rule, RuleSpec};

/// Stored rules in evaluation order. A rule that no longer parses (say, an alias
/// removed from the configuration) is an error, not silently skipped: skipping
/// could drop a rule that demands 2FA.
pub async fn list(db: &DatabaseConnection, registry: &AcrRegistry) -> Result<Vec<Rule>, DbError> {
    let rows = policy_rules::Entity::find()
        .order_by_asc(policy_rules::Column::Position)
        .all(db)
        .await?;
    rows.into_iter()
        .map(|m| {
            let spec: RuleSpec = serde_json::from_str(&m.spec)
                .map_err(|e| DbError::Other(format!("stored rule {:?}: {e}", m.name)))?;
            Rule::parse(spec, registry)
                .map_err(|e| DbError::Other(format!("stored rule {:?}: {e}", m.name)))
        })
        .collect()
}

/// Appends a rule at the end of the stored rules.
pub async fn add(
    db: &DatabaseConnection,
    registry: &AcrRegistry,
    spec: RuleSpec,
) -> Result<Rule, DbError> {
    let rule = Rule::parse(spec, registry).map_err(DbError::Invalid)?;
    let last: Option<i64> = policy_rules::Entity::find()
        .order_by_desc(policy_rules::Column::Position)
        .one(db)
        .await?
        .map(|m| m.position);
    policy_rules::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        position: Set(last.unwrap_or(0) + 1),
        name: Set(rule.spec.name.clone()),
        spec: Set(serde_json::to_string(&rule.spec).map_err(|e| DbError::Other(e.to_string()))?),
        created_at: Set(now()),
    }
    .insert(db)
    .await
    .map_err(|e| match DbError::from(e) {
        DbError::Conflict(_) => {
            DbError::Conflict(format!("a rule named {:?} exists", rule.spec.name))
        }
        other => other,
    })?;
    Ok(rule)
}

pub async fn delete(db: &DatabaseConnection, name: &str) -> Result<(), DbError> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let res = policy_rules::Entity::delete_many()
        .filter(policy_rules::Column::Name.eq(name))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        Err(DbError::NotFound)
    } else {
        Ok(())
    }
}
