//! Verify codes printed on documents anyone may check on a public page (training certificates,
//! admission letters), and the masked name such a page shows. Pure: no I/O.

use rand::Rng;

/// Letters and digits that cannot be mistaken for each other when read off paper (no I, O, 0, 1).
const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// Length of a verify code: 32^10 (about 10^15) codes, so guessing one is hopeless.
pub const CODE_LEN: usize = 10;

/// A new random verify code.
pub fn new_code() -> String {
    let mut rng = rand::rng();
    (0..CODE_LEN)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// A code as a person typed it: trimmed and upper-cased; `None` when it cannot be a code (so a
/// public page never queries the database with junk).
pub fn normalise(typed: &str) -> Option<String> {
    let code = typed.trim().to_ascii_uppercase();
    (code.len() == CODE_LEN && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

/// A name with its middle hidden: 王大明 → 王*明, 李丽 → 李*.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    match chars.len() {
        0 | 1 => name.to_string(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_masked_in_the_middle() {
        assert_eq!(mask_name("王大明"), "王*明");
        assert_eq!(mask_name("李丽"), "李*");
        assert_eq!(mask_name("欧阳晓燕"), "欧**燕");
    }

    #[test]
    fn a_new_code_reads_back_as_itself_and_junk_is_no_code() {
        let code = new_code();
        assert_eq!(normalise(&format!(" {} ", code.to_lowercase())), Some(code));
        assert_eq!(normalise("ABC"), None);
        assert_eq!(normalise("ABCDEFGHI0"), None, "0 is not in the alphabet");
    }
}
