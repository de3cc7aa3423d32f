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

    #[test]
    fn a_list_in_memory_is_sliced_into_the_requested_page() {
        let req = PageRequest::new(Some(2), Some(3)).expect("valid");
        let p = Page::slice((1..=7).collect::<Vec<u32>>(), req);
        assert_eq!(
            (p.items, p.page, p.per_page, p.total, p.pages),
            (vec![4, 5, 6], 2, 3, 7, 3)
        );
        let beyond = Page::slice(vec![1, 2], PageRequest::new(Some(5), Some(3)).expect("valid"));
        assert!(beyond.items.is_empty());
        assert_eq!((beyond.total, beyond.pages), (2, 1));
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

    /// One page cut from a whole list already in memory: for lists that are naturally small
    /// (schools, rule sets, a session's roster) or computed row by row in Rust (due follow-ups,
    /// session cards). Lists read straight from one table are paged by the database instead.
    pub fn slice(all: Vec<T>, req: PageRequest) -> Page<T> {
        let total = all.len() as u64;
        let skip = usize::try_from((req.page - 1).saturating_mul(req.per_page)).unwrap_or(usize::MAX);
        let take = usize::try_from(req.per_page).unwrap_or(usize::MAX);
        let items = all.into_iter().skip(skip).take(take).collect();
        Page::new(items, req, total)
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
