//! Region codes: the oblasts and the cities of republican significance of Kazakhstan, as the
//! registry extract (`addresses.ndjson`, field `region`) and the legal parameters (poverty lines
//! by region, `rules/legal-parameters.toml`) write them.
//!
//! The country is divided into 17 oblasts and 3 cities of republican significance (the capital
//! Astana, Almaty and Shymkent); the ASP poverty line is set for each of them (DOMAIN.md §ASP,
//! Social Code art. 120 p.4). The codes are the English names in upper snake case; the city of
//! Almaty is `ALMATY_CITY`, the Almaty oblast (centre Qonaev) `ALMATY`. Abai, Ulytau and Zhetisu
//! are the oblasts formed in 2022. A code outside this list is a broken extract, not a new region:
//! adding a region is a reviewed change to this file.

/// Every valid region code, cities of republican significance first, then the oblasts A–Z.
pub const REGION_CODES: [&str; 20] = [
    "ASTANA",
    "ALMATY_CITY",
    "SHYMKENT",
    "ABAI",
    "AKMOLA",
    "AKTOBE",
    "ALMATY",
    "ATYRAU",
    "EAST_KAZAKHSTAN",
    "KARAGANDA",
    "KOSTANAY",
    "KYZYLORDA",
    "MANGYSTAU",
    "NORTH_KAZAKHSTAN",
    "PAVLODAR",
    "TURKESTAN",
    "ULYTAU",
    "WEST_KAZAKHSTAN",
    "ZHAMBYL",
    "ZHETISU",
];

/// The cities of republican significance (the capital included).
pub const REPUBLICAN_CITIES: [&str; 3] = ["ASTANA", "ALMATY_CITY", "SHYMKENT"];

/// Whether `code` is one of [`REGION_CODES`] (exact, case-sensitive: codes are upper case).
pub fn is_region(code: &str) -> bool {
    REGION_CODES.contains(&code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::parameters::{LegalParametersFile, BUNDLED_LEGAL_PARAMETERS};

    #[test]
    fn twenty_distinct_upper_case_codes() {
        let mut v = REGION_CODES.to_vec();
        v.sort();
        v.dedup();
        assert_eq!(v.len(), 20);
        assert!(REGION_CODES
            .iter()
            .all(|c| c.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')));
        assert!(REPUBLICAN_CITIES.iter().all(|c| is_region(c)));
        assert!(is_region("ALMATY") && is_region("ALMATY_CITY"));
        assert!(!is_region("astana") && !is_region("ASTANA ") && !is_region("ATLANTIS"));
    }

    #[test]
    fn every_poverty_line_region_is_a_known_code() {
        let f: LegalParametersFile = toml::from_str(BUNDLED_LEGAL_PARAMETERS).unwrap();
        for p in &f.poverty_lines {
            assert!(
                p.region == "*" || is_region(&p.region),
                "poverty line for unknown region {:?}",
                p.region
            );
        }
    }
}
