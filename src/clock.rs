//! The county's clock: dates (deadlines, "today", weeks) are China Standard Time, UTC+8, whatever
//! zone the server runs in.

use chrono::{FixedOffset, NaiveDate, Utc};

const CHINA: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

/// China Standard Time.
pub fn china() -> FixedOffset {
    CHINA
}

/// Today's date in China.
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&CHINA).date_naive()
}
