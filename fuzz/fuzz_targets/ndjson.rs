#![no_main]
//! Any bytes as any file of a registry extract: checked line by line as `family-card load`
//! does (UTF-8, length, record validation, text limits, duplicate persons), never a panic.
use family_card::ingest::{check_file, known_files, Context};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let ctx = Context::on(chrono::NaiveDate::from_ymd_opt(2026, 6, 15).unwrap());
    // The first byte picks the file, the rest is its content.
    let Some((&pick, content)) = data.split_first() else {
        return;
    };
    let files = known_files();
    let file = files[pick as usize % files.len()];
    let c = check_file(file, content, &ctx).expect("a known file");
    for r in &c.rejects {
        assert!(!r.field.is_empty());
    }
});
