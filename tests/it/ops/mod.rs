//! Operating vocpath (issue 16): the installed binary, backups and restores.

mod backup;
mod binary;
mod health;
mod process;
