//! `family-card detect`: country-wide benefit detection (wired once the benefit rules land).
