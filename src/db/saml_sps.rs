//! SAML service providers: who may ask for assertions, where they are sent
//! (the registered ACS URLs, matched exactly) and how they are made.

use entity::saml_service_providers as sps;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;

use super::{DbError, from_json_list, now, to_json_list};
use crate::saml::SignWhat;

/// What the NameID of an assertion holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NameIdKind {
    Email,
    Username,
}

impl NameIdKind {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "email" => Some(Self::Email),
            "username" => Some(Self::Username),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Username => "username",
        }
    }

    /// The NameID Format URI.
    pub fn format(self) -> &'static str {
        match self {
            Self::Email => crate::saml::NAMEID_EMAIL,
            Self::Username => crate::saml::NAMEID_UNSPECIFIED,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceProvider {
    pub id: String,
    pub entity_id: String,
    pub name: String,
    pub acs_urls: Vec<String>,
    pub nameid: NameIdKind,
    pub sign: SignWhat,
    pub minimum_acr: Option<String>,
    pub created_at: i64,
}

impl ServiceProvider {
    /// An ACS URL is registered when it is byte for byte one of ours, query
    /// string included (Atlassian's carries one).
    pub fn has_acs_url(&self, url: &str) -> bool {
        self.acs_urls.iter().any(|u| u == url)
    }

    /// Where responses go when the request names no ACS URL.
    pub fn default_acs_url(&self) -> Option<&str> {
        self.acs_urls.first().map(String::as_str)
    }
}

impl TryFrom<sps::Model> for ServiceProvider {
    type Error = DbError;
    fn try_from(m: sps::Model) -> Result<Self, DbError> {
        let bad =
            |what: &str| DbError::Other(format!("saml service provider {}: bad {what}", m.id));
        Ok(Self {
            nameid: NameIdKind::parse(&m.name_id).ok_or_else(|| bad("name_id"))?,
            sign: SignWhat::parse(&m.sign).ok_or_else(|| bad("sign"))?,
            acs_urls: from_json_list(&m.acs_urls),
            id: m.id,
            entity_id: m.entity_id,
            name: m.name,
            minimum_acr: m.minimum_acr,
            created_at: m.created_at,
        })
    }
}

pub struct NewServiceProvider {
    pub entity_id: String,
    pub name: Option<String>,
    pub acs_urls: Vec<String>,
    pub nameid: NameIdKind,
    pub sign: SignWhat,
    pub minimum_acr: Option<String>,
}

const MAX_ENTITY_ID: usize = 1024;

/// An ACS URL must be an absolute http(s) URL without a fragment.
pub fn validate_acs_url(url: &str) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("ACS URL {url:?}: {e}"))?;
    if !matches!(parsed.scheme(), "https" | "http") {
        return Err(format!("ACS URL {url:?} must be http or https"));
    }
    if parsed.fragment().is_some() {
        return Err(format!("ACS URL {url:?} must not have a fragment"));
    }
    Ok(())
}

pub async fn create(
    db: &DatabaseConnection,
    new: NewServiceProvider,
) -> Result<ServiceProvider, DbError> {
    let entity_id = new.entity_id.trim().to_owned();
    if entity_id.is_empty() || entity_id.len() > MAX_ENTITY_ID {
        return Err(DbError::Invalid(
            "the entity ID must be 1 to 1024 characters".into(),
        ));
    }
    if new.acs_urls.is_empty() {
        return Err(DbError::Invalid("at least one ACS URL is needed".into()));
    }
    for u in &new.acs_urls {
        validate_acs_url(u).map_err(DbError::Invalid)?;
    }
    if find_by_entity_id(db, &entity_id).await?.is_some() {
        return Err(DbError::Conflict(format!(
            "a service provider with entity ID {entity_id:?} exists"
        )));
    }
    let name = new
        .name
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| entity_id.clone());
    let model = sps::ActiveModel {
        id: Set(uuid::Uuid::new_v4().simple().to_string()),
        entity_id: Set(entity_id),
        name: Set(name),
        acs_urls: Set(to_json_list(&new.acs_urls)),
        name_id: Set(new.nameid.as_str().into()),
        sign: Set(new.sign.as_str().into()),
        minimum_acr: Set(new.minimum_acr),
        created_at: Set(now()),
    };
    model.insert(db).await?.try_into()
}

pub async fn find_by_entity_id(
    db: &DatabaseConnection,
    entity_id: &str,
) -> Result<Option<ServiceProvider>, DbError> {
    if entity_id.is_empty() || entity_id.len() > MAX_ENTITY_ID {
        return Ok(None);
    }
    sps::Entity::find()
        .filter(sps::Column::EntityId.eq(entity_id))
        .one(db)
        .await?
        .map(ServiceProvider::try_from)
        .transpose()
}

/// By our id, else by entity ID.
pub async fn find(db: &DatabaseConnection, id: &str) -> Result<Option<ServiceProvider>, DbError> {
    if let Some(m) = sps::Entity::find_by_id(id.to_owned()).one(db).await? {
        return Ok(Some(m.try_into()?));
    }
    find_by_entity_id(db, id).await
}

pub async fn list(db: &DatabaseConnection) -> Result<Vec<ServiceProvider>, DbError> {
    sps::Entity::find()
        .order_by_asc(sps::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(ServiceProvider::try_from)
        .collect()
}

/// Removes a service provider (by id or entity ID); None when there was none.
pub async fn delete(db: &DatabaseConnection, id: &str) -> Result<Option<ServiceProvider>, DbError> {
    let Some(sp) = find(db, id).await? else {
        return Ok(None);
    };
    sps::Entity::delete_by_id(sp.id.clone()).exec(db).await?;
    Ok(Some(sp))
}
