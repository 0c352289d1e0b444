use crate::errors::Result;
use crate::version::Version;
use bytes::{Buf, Bytes};

/// [family-card patch] A RECORD message kept as it was sent: `data` is its field list
/// (PackStream, from the list marker on), decoded when the row is read
/// (`crate::types::serde::packed`), not into a `BoltType` tree on arrival.
///
/// [family-card patch 7] Not walked on arrival either: that walk (a second pass over every
/// value of every record, ~7 % of `bench card`'s instructions) only told early what the read
/// tells anyway. Only the list header is checked here (a record that is not a list is an
/// error on arrival, as before); a truncated or malformed value is an error when its row is
/// read (`crate::row::Row`).
#[derive(Debug, PartialEq, Clone)]
pub struct Record {
    pub data: Bytes,
    /// The protocol version it came in (for the structures whose encoding depends on it).
    pub version: Version,
}

impl Record {
    pub fn can_parse(_version: Version, input: &[u8]) -> bool {
        input.len() > 1 && input[0] == 0xB1 && input[1] == 0x71
    }

    pub fn parse(version: Version, input: &mut Bytes) -> Result<Record> {
        input.advance(2);
        let data = input.split_to(input.len());
        crate::types::serde::Cursor::new(&data)
            .list_len()
            .map_err(crate::errors::Error::DeserializationError)?;
        Ok(Record { data, version })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_deserialize_record_message() {
        let mut bytes = Bytes::from_static(&[0xB1, 0x71, 0x92, 0x81, 0x61, 0x81, 0x62]);

        let record: Record = Record::parse(Version::V4_1, &mut bytes).unwrap();

        assert_eq!(&record.data[..], &[0x92, 0x81, 0x61, 0x81, 0x62]);
    }

    #[test]
    fn a_record_that_is_not_a_list_is_an_error() {
        let mut bytes = Bytes::from_static(&[0xB1, 0x71, 0xB0, 0x01]);
        assert!(Record::parse(Version::V4_1, &mut bytes).is_err());
    }

}
