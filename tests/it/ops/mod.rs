//! Operating vocpath (issue 16): the installed binary, backups and restores, readiness, deploy files.

mod backup;
mod binary;
mod deploy;
mod health;
mod process;
mod rotation;
mod upgrade;
