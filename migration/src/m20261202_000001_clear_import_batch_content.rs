//! Uploaded register files used to be kept in clear, forever. Uploads are now stored encrypted and
//! deleted once committed or abandoned; this deletes (empties) the clear ones kept so far. A
//! preview whose upload is deleted asks for the file again when committed; digests and reports stay.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .exec_stmt(
                Query::update()
                    .table("import_batch")
                    .value("content", Vec::<u8>::new())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // Deleted uploads cannot be brought back, and need not be.
        Ok(())
    }
}
