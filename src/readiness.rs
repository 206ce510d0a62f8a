//! Whether the backends a sign-in needs answer: the database and the session
//! store. The probes ask; a sign-in that cannot reach them fails closed anyway.

use sea_orm::DatabaseConnection;

use crate::store::Store;

pub struct Backends<'a> {
    pub db: &'a DatabaseConnection,
    pub store: &'a Store,
}

impl Backends<'_> {
    pub async fn store(&self) -> bool {
        self.store.ping().await.is_ok()
    }

    pub async fn database(&self) -> bool {
        self.db.ping().await.is_ok()
    }
}
