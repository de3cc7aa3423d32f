//! Comparing two runs: who moved, and why.

use std::collections::HashMap;

use sea_orm::ConnectionTrait;
use serde::Serialize;

use super::{get_run, result_of, student_of};
use crate::error::AppError;
use crate::routing::result::NotPlaced;

/// A student whose placement differs between two runs.
#[derive(Debug, Clone, Serialize)]
pub struct Move {
    pub student_id: i32,
    pub from: Option<String>,
    pub to: Option<String>,
    /// Why the student did not get a higher choice in the second run.
    pub why: Vec<NotPlaced>,
}

/// Students placed differently by `other` than by `base`, by student id.
pub async fn diff(db: &impl ConnectionTrait, base: i32, other: i32) -> Result<Vec<Move>, AppError> {
    let a = result_of(&get_run(db, base).await?)?;
    let b = result_of(&get_run(db, other).await?)?;
    let before: HashMap<i32, Option<String>> = a
        .placements
        .into_iter()
        .filter_map(|p| student_of(&p).map(|s| (s, p.programme)))
        .collect();
    let mut moves = Vec::new();
    for p in b.placements {
        let Some(sid) = student_of(&p) else { continue };
        let from = before.get(&sid).cloned().flatten();
        if from != p.programme {
            moves.push(Move {
                student_id: sid,
                from,
                to: p.programme,
                why: p.not_placed_higher,
            });
        }
    }
    moves.sort_by_key(|m| m.student_id);
    Ok(moves)
}
