use crate::errors::{Error, Result};
use crate::version::Version;
use bytes::{Buf, Bytes};

/// [family-card patch] A RECORD message kept as it was sent: `data` is its field list
/// (PackStream, from the list marker on), decoded when the row is read
/// (`crate::types::serde::packed`), not into a `BoltType` tree on arrival. The list is checked
/// on arrival to end where the message ends, so a truncated record is still an error here (and
/// a record holding structures is parsed whole once, as before, to check them).
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
        let mut at = crate::types::serde::Cursor::new(&data);
        at.skip().map_err(Error::DeserializationError)?;
        if at.saw_structure() {
            // A structure's fields depend on its signature: the tree parser checks it as before
            // (an unknown signature is an error on arrival, not a row that reads as empty).
            use crate::types::BoltWireFormat as _;
            crate::types::BoltList::parse(version, &mut data.clone())?;
        }
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
    fn a_truncated_record_is_an_error() {
        let mut bytes = Bytes::from_static(&[0xB1, 0x71, 0x92, 0x81, 0x61, 0x85, 0x62]);
        assert!(Record::parse(Version::V4_1, &mut bytes).is_err());
    }
}
