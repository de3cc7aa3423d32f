//! The state every handler receives: passed explicitly, never global.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::config::Config;
use crate::i18n::Catalogues;

/// Shared, cheaply clonable application state.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub templates: Arc<tera::Tera>,
    pub i18n: Arc<Catalogues>,
}
