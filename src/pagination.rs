//! The one pagination shape shared by every list, in the API and on pages.

use serde::Serialize;

use crate::error::AppError;
use crate::i18n::Msg;

/// A requested page: 1-based `page` up to [`PageRequest::MAX_PAGE`], `per_page` clamped to 1..=200
/// (default 50).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u64,
    pub per_page: u64,
}

impl PageRequest {
    pub const DEFAULT_PER_PAGE: u64 = 50;
    pub const MAX_PER_PAGE: u64 = 200;

    /// Far beyond any real list; keeps `page × per_page` well inside the databases' 64-bit offsets.
    pub const MAX_PAGE: u64 = 1_000_000;

    /// The page a client asked for; a page number beyond [`Self::MAX_PAGE`] is refused (422)
    /// rather than overflowing the offset.
    pub fn new(page: Option<u64>, per_page: Option<u64>) -> Result<PageRequest, AppError> {
        let page = page.unwrap_or(1).max(1);
        if page > Self::MAX_PAGE {
            return Err(AppError::invalid(
                "page",
                Msg::new("error.page_out_of_range").arg("max", Self::MAX_PAGE),
            ));
        }
        Ok(PageRequest {
            page,
            per_page: per_page.unwrap_or(Self::DEFAULT_PER_PAGE).clamp(1, Self::MAX_PER_PAGE),
        })
    }

    /// The first page of `per_page` items (clamped like any request).
    pub fn first(per_page: u64) -> PageRequest {
        PageRequest {
            page: 1,
            per_page: per_page.clamp(1, Self::MAX_PER_PAGE),
        }
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest::first(Self::DEFAULT_PER_PAGE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_numbers_at_the_edge_of_their_type_are_refused_not_overflowed() {
        assert!(PageRequest::new(Some(u64::MAX), None).is_err());
        assert!(PageRequest::new(Some(PageRequest::MAX_PAGE + 1), None).is_err());
        let last = PageRequest::new(Some(PageRequest::MAX_PAGE), Some(u64::MAX)).expect("allowed");
        assert!(
            last.page
                .checked_mul(last.per_page)
                .is_some_and(|o| o < i64::MAX as u64)
        );
        assert_eq!(
            PageRequest::new(Some(0), Some(0)).expect("clamped"),
            PageRequest::first(1)
        );
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
