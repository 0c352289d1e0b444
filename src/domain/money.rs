//! Money arithmetic shared by the benefit rules and the well-being methodology: amounts are whole
//! tenge (`i64`), computed in exact integer arithmetic and rounded once, half up; shown with thin
//! groups of three digits and the ₸ sign (`1 234 567 ₸`, `−500 ₸`). One place, so a reason and an
//! explanation never format the same amount differently.

/// Rounds `num / den` half up (both positive).
pub fn div_half_up(num: i128, den: i128) -> i64 {
    ((num + den / 2) / den) as i64
}

/// An amount in tenge as people read it: `1 234 567 ₸`.
pub fn tenge(n: i64) -> String {
    let s = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    format!("{}{} ₸", if n < 0 { "−" } else { "" }, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_grouped_and_rounded_half_up() {
        assert_eq!(tenge(0), "0 ₸");
        assert_eq!(tenge(999), "999 ₸");
        assert_eq!(tenge(1000), "1 000 ₸");
        assert_eq!(tenge(1_234_567), "1 234 567 ₸");
        assert_eq!(tenge(-500), "−500 ₸");
        assert_eq!(div_half_up(64_875, 10), 6_488); // 6 487.5 → 6 488
        assert_eq!(div_half_up(64_874, 10), 6_487);
    }
}
