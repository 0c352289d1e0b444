#![no_main]
//! SMS replies: any text gets an answer, and an error message stays short.
use family_card::domain::offer::parse_reply;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Err(e) = parse_reply(&text) {
        assert!(e.to_string().len() < 300);
    }
});
