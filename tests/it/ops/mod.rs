//! Operating vocpath (issue 16): the installed binary, backups and restores.

mod binary;
mod process;
