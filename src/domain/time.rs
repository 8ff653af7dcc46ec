//! Timestamps: stored as microseconds since the Unix epoch, shown as RFC 3339
//! UTC with exactly six fractional digits.

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, format_description::FormatItem, macros::format_description};

const WIRE_FORMAT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

/// An instant with microsecond precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    pub fn now() -> Self {
        let ns = OffsetDateTime::now_utc().unix_timestamp_nanos();
        Self(i64::try_from(ns / 1000).unwrap_or(i64::MAX))
    }
    pub fn from_micros(us: i64) -> Self {
        Self(us)
    }
    pub fn from_unix_seconds(s: i64) -> Self {
        Self(s.saturating_mul(1_000_000))
    }
    pub fn micros(self) -> i64 {
        self.0
    }
    pub fn unix_seconds(self) -> i64 {
        self.0.div_euclid(1_000_000)
    }
    /// The next instant strictly after both `self` and `previous`, so that
    /// `updatedAt` moves forward even if the clock did not.
    pub fn after(self, previous: Timestamp) -> Timestamp {
        if self.0 > previous.0 {
            self
        } else {
            Timestamp(previous.0.saturating_add(1))
        }
    }
    pub fn plus_seconds(self, s: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(s.saturating_mul(1_000_000)))
    }
    /// An RFC 3339 timestamp with any offset, to the microsecond; `None`
    /// when it is not one.
    pub fn parse_rfc3339(text: &str) -> Option<Timestamp> {
        let t = OffsetDateTime::parse(text, &Rfc3339).ok()?;
        i64::try_from(t.unix_timestamp_nanos().div_euclid(1000))
            .ok()
            .map(Timestamp)
    }
    /// `self` moved back by `d` (saturating).
    pub fn minus(self, d: std::time::Duration) -> Timestamp {
        Timestamp(
            self.0
                .saturating_sub(i64::try_from(d.as_micros()).unwrap_or(i64::MAX)),
        )
    }
    /// `self` moved on by `d` (saturating).
    pub fn plus(self, d: std::time::Duration) -> Timestamp {
        Timestamp(
            self.0
                .saturating_add(i64::try_from(d.as_micros()).unwrap_or(i64::MAX)),
        )
    }
    /// RFC 3339, UTC, microseconds: `2025-11-06T14:30:00.123456Z`.
    pub fn to_rfc3339(self) -> String {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1000)
            .ok()
            .and_then(|t| t.format(WIRE_FORMAT).ok())
            .unwrap_or_default()
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_six_fraction_digits_in_utc() {
        let t = Timestamp::from_micros(1_762_439_400_123_456);
        assert_eq!(t.to_rfc3339(), "2025-11-06T14:30:00.123456Z");
        assert_eq!(
            Timestamp::from_micros(0).to_rfc3339(),
            "1970-01-01T00:00:00.000000Z"
        );
    }

    #[test]
    fn parses_rfc3339_with_any_offset() {
        assert_eq!(
            Timestamp::parse_rfc3339("2025-11-06T15:30:00.123456+01:00"),
            Some(Timestamp::from_micros(1_762_439_400_123_456))
        );
        assert_eq!(Timestamp::parse_rfc3339("2025-11-06"), None);
    }

    #[test]
    fn after_always_moves_forward() {
        let a = Timestamp::from_micros(10);
        assert_eq!(Timestamp::from_micros(5).after(a).micros(), 11);
        assert_eq!(Timestamp::from_micros(20).after(a).micros(), 20);
    }
}
