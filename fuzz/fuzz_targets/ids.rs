#![no_main]
//! IIN, BIN and IBAN parsing: no input panics; what is accepted parses again to itself.
use family_card::domain::ids::{Bin, Iban, Iin};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(i) = Iin::parse(s) {
        assert_eq!(Iin::parse(i.as_str()), Ok(i.clone()));
        let _ = (i.birth_date(), i.sex(), i.masked());
    }
    if let Ok(b) = Bin::parse(s) {
        assert_eq!(Bin::parse(b.as_str()), Ok(b.clone()));
    }
    if let Ok(a) = Iban::parse(s) {
        assert_eq!(Iban::parse(a.as_str()), Ok(a.clone()));
        let _ = a.masked();
    }
});
