//! Secrets that never print: passwords, signing keys, webhook secrets. `Debug` and `Display`
//! show `[redacted]`, so a configuration struct can derive `Debug` and be logged whole without
//! leaking anything; the value is reached only through [`Secret::expose`].

use std::fmt;

#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub fn new(value: T) -> Self {
        Secret(value)
    }
    /// The secret value. Call it where the value is used, never to log or format it.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<T> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<String> for Secret<String> {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

/// `n` bytes from the operating system's CSPRNG.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    // getrandom fails only where the OS has no entropy source at all; nothing can run safely then.
    getrandom::fill(&mut b).expect("the operating system's random number generator is unavailable");
    b
}

/// Lower-case hex of `n` random bytes.
pub fn random_hex<const N: usize>() -> String {
    hex::encode(random_bytes::<N>())
}

/// Equality that takes the same time wherever the inputs differ (for secrets and signatures).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A 32-byte key kept in a file of its own (created with mode 0600 on first use), e.g. the key
/// family ids are derived with. The same directory always gives the same key.
pub fn key_file(path: &std::path::Path) -> std::io::Result<Secret<[u8; 32]>> {
    if let Ok(text) = std::fs::read_to_string(path) {
        let bytes = hex::decode(text.trim()).map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{}: not a hex key: {e}", path.display()),
            )
        })?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{}: a key is 32 bytes", path.display()),
            )
        })?;
        return Ok(Secret::new(key));
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let key = random_bytes::<32>();
    write_private(path, hex::encode(key).as_bytes())?;
    Ok(Secret::new(key))
}

/// Writes a file readable by its owner only.
pub fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_print() {
        let s = Secret::new("hunter2".to_string());
        assert_eq!(format!("{s:?} {s}"), "[redacted] [redacted]");
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Config {
            password: Secret<String>,
        }
        assert!(!format!("{:?}", Config { password: s }).contains("hunter2"));
    }

    #[test]
    fn key_file_is_created_once_and_read_back() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("k/id.key");
        let a = key_file(&p).unwrap();
        let b = key_file(&p).unwrap();
        assert_eq!(a.expose(), b.expose());
        assert_ne!(a.expose(), &[0u8; 32]);
    }

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
