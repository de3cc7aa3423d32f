//! The static check of a compiled rule: walks the CEL syntax tree, refuses variables other than
//! `student` and `programme` (and those a macro such as `exists(x, …)` binds) and fields neither
//! documented nor present in the instance, and records which of the two variables the rule reads
//! (so that the caller can evaluate a rule that reads only `student` once per student).

use cel::Program;
use cel::common::ast::{EntryExpr, Expr, IdedExpr, LiteralValue, operators};

use super::fields::Fields;

/// What a rule reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reads {
    pub student: bool,
    pub programme: bool,
}

/// A problem found by the walk: what and where (1-based line and column, in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unknown {
    Variable {
        name: String,
        line: usize,
        column: usize,
    },
    Field {
        field: String,
        known: String,
        line: usize,
        column: usize,
    },
}

/// Walks `program` (compiled from `source`).
pub fn references(program: &Program, student: &Fields, programme: &Fields) -> Result<Reads, Unknown> {
    let mut walk = Walk {
        program,
        student,
        programme,
        bound: Vec::new(),
        reads: Reads::default(),
    };
    walk.expr(program.expression())?;
    Ok(walk.reads)
}

/// Line and column (1-based, in characters) of a byte offset into `source`.
pub fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let before = &source[..source.floor_char_boundary(offset.min(source.len()))];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

struct Walk<'a> {
    program: &'a Program,
    student: &'a Fields,
    programme: &'a Fields,
    /// Variables bound by enclosing comprehensions, innermost last.
    bound: Vec<&'a str>,
    reads: Reads,
}

impl<'a> Walk<'a> {
    fn expr(&mut self, e: &'a IdedExpr) -> Result<(), Unknown> {
        match &e.expr {
            Expr::Ident(name) => self.ident(name, e.id),
            Expr::Select(select) => match self.subject_field(&select.operand, &select.field)? {
                true => Ok(()),
                false => self.expr(&select.operand),
            },
            Expr::Call(call) => {
                if call.func_name == operators::INDEX
                    && let [operand, key] = call.args.as_slice()
                    && let Expr::Literal(LiteralValue::String(field)) = &key.expr
                    && self.subject_field(operand, field.inner())?
                {
                    return Ok(());
                }
                if let Some(target) = &call.target {
                    self.expr(target)?;
                }
                call.args.iter().try_for_each(|a| self.expr(a))
            }
            Expr::Comprehension(c) => {
                self.expr(&c.iter_range)?;
                self.expr(&c.accu_init)?;
                let depth = self.bound.len();
                self.bound.push(&c.iter_var);
                if let Some(second) = &c.iter_var2 {
                    self.bound.push(second);
                }
                self.bound.push(&c.accu_var);
                let inner = [&c.loop_cond, &c.loop_step, &c.result]
                    .into_iter()
                    .try_for_each(|x| self.expr(x));
                self.bound.truncate(depth);
                inner
            }
            Expr::List(list) => list.elements.iter().try_for_each(|x| self.expr(x)),
            Expr::Map(map) => map.entries.iter().try_for_each(|entry| self.entry(&entry.expr)),
            Expr::Struct(s) => s.entries.iter().try_for_each(|entry| self.entry(&entry.expr)),
            Expr::Literal(_) | Expr::Unspecified => Ok(()),
        }
    }

    fn entry(&mut self, entry: &'a EntryExpr) -> Result<(), Unknown> {
        match entry {
            EntryExpr::StructField(field) => self.expr(&field.value),
            EntryExpr::MapEntry(pair) => {
                self.expr(&pair.key)?;
                self.expr(&pair.value)
            }
        }
    }

    fn ident(&mut self, name: &str, id: u64) -> Result<(), Unknown> {
        if self.bound.contains(&name) {
            return Ok(());
        }
        match name {
            "student" => self.reads.student = true,
            "programme" => self.reads.programme = true,
            _ => {
                let (line, column) = self.position(id);
                return Err(Unknown::Variable {
                    name: name.to_string(),
                    line,
                    column,
                });
            }
        }
        Ok(())
    }

    /// When `operand` is `student` or `programme` itself, checks `field` and returns true.
    fn subject_field(&mut self, operand: &'a IdedExpr, field: &str) -> Result<bool, Unknown> {
        let Expr::Ident(root) = &operand.expr else {
            return Ok(false);
        };
        let fields = match root.as_str() {
            _ if self.bound.contains(&root.as_str()) => return Ok(false),
            "student" => self.student,
            "programme" => self.programme,
            _ => return Ok(false),
        };
        if !fields.contains(field) {
            let (line, column) = self.position(operand.id);
            let (field, known) = (format!("{root}.{field}"), fields.names());
            return Err(Unknown::Field {
                field,
                known,
                line,
                column,
            });
        }
        self.ident(root, operand.id)?;
        Ok(true)
    }

    fn position(&self, id: u64) -> (usize, usize) {
        let info = self.program.source_info();
        let offset = info.offset_for(id).map_or(0, |(start, _)| start as usize);
        line_column(&info.source, offset)
    }
}
