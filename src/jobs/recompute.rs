//! `family-card recompute wellbeing`: the country-wide well-being recompute (wired once the
//! methodology lands).
