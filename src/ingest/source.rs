//! The source, the first step of the pipeline: lines of one record kind from any reader (an
//! extract's file for `family-card load`, a job's spooled body for HTTP jobs), each read within
//! a bound so that one runaway line (a file without newlines) cannot exhaust memory.

use std::io::BufRead;

pub(crate) fn read_line_bounded<R: BufRead>(
    r: &mut R,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Option<usize>> {
    buf.clear();
    let mut total = 0usize;
    let mut any = false;
    loop {
        let chunk = match r.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            break;
        }
        any = true;
        let (take, newline) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i, true),
            None => (chunk.len(), false),
        };
        let room = max.saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..take.min(room)]);
        total += take;
        r.consume(take + usize::from(newline));
        if newline {
            break;
        }
    }
    if !any {
        return Ok(None);
    }
    if total <= max && buf.last() == Some(&b'\r') {
        buf.pop();
        total -= 1;
    }
    Ok(Some(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_read_within_the_bound() {
        let mut r: &[u8] = b"ab\r\n\ncd";
        let mut buf = vec![];
        assert_eq!(read_line_bounded(&mut r, &mut buf, 10).unwrap(), Some(2));
        assert_eq!(buf, b"ab");
        assert_eq!(read_line_bounded(&mut r, &mut buf, 10).unwrap(), Some(0));
        assert_eq!(read_line_bounded(&mut r, &mut buf, 1).unwrap(), Some(2));
        assert_eq!(buf, b"c");
        assert_eq!(read_line_bounded(&mut r, &mut buf, 10).unwrap(), None);
    }
}
