//! The one pagination shape shared by every list, in the API and on pages.

use serde::Serialize;

/// A requested page: 1-based `page`, `per_page` clamped to 1..=200 (default 50).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u64,
    pub per_page: u64,
}

impl PageRequest {
    pub const DEFAULT_PER_PAGE: u64 = 50;
    pub const MAX_PER_PAGE: u64 = 200;

    pub fn new(page: Option<u64>, per_page: Option<u64>) -> PageRequest {
        PageRequest {
            page: page.unwrap_or(1).max(1),
            per_page: per_page.unwrap_or(Self::DEFAULT_PER_PAGE).clamp(1, Self::MAX_PER_PAGE),
        }
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest::new(None, None)
    }
}

/// One page of items plus what a client needs to fetch the others.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: u64,
    pub per_page: u64,
    pub total: u64,
    pub pages: u64,
}

impl<T> Page<T> {
    pub fn new(items: Vec<T>, req: PageRequest, total: u64) -> Page<T> {
        Page {
            items,
            page: req.page,
            per_page: req.per_page,
            total,
            pages: total.div_ceil(req.per_page),
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            page: self.page,
            per_page: self.per_page,
            total: self.total,
            pages: self.pages,
        }
    }
}
