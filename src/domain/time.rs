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
        let mut buf = [0; WIRE_LEN];
        match self.write_rfc3339(&mut buf) {
            Some(text) => text.to_owned(),
            None => self.to_rfc3339_slow(),
        }
    }

    /// The same text appended to `out` (the access lines' timestamps).
    pub fn write_rfc3339_into(self, out: &mut Vec<u8>) {
        let mut buf = [0; WIRE_LEN];
        match self.write_rfc3339(&mut buf) {
            Some(text) => out.extend_from_slice(text.as_bytes()),
            None => out.extend_from_slice(self.to_rfc3339_slow().as_bytes()),
        }
    }

    /// The wire form written into `buf` for the years 0000 to 9999 (every
    /// instant a store holds), without allocating: a list page writes two
    /// per item, and `time`'s format descriptions cost several times more.
    /// `None` outside those years.
    fn write_rfc3339(self, buf: &mut [u8; WIRE_LEN]) -> Option<&str> {
        const DAY: i64 = 86_400_000_000;
        let (days, in_day) = (self.0.div_euclid(DAY), self.0.rem_euclid(DAY));
        let (year, month, day) = civil_from_days(days);
        if !(0..=9999).contains(&year) {
            return None;
        }
        let (secs, micros) = (in_day / 1_000_000, in_day % 1_000_000);
        let mut put = |at: usize, width: usize, mut value: i64| {
            for i in (at..at + width).rev() {
                // A digit: `value % 10` is in 0..10.
                buf[i] = b'0' + u8::try_from(value % 10).unwrap_or(0);
                value /= 10;
            }
        };
        put(0, 4, year);
        put(5, 2, month);
        put(8, 2, day);
        put(11, 2, secs / 3600);
        put(14, 2, secs / 60 % 60);
        put(17, 2, secs % 60);
        put(20, 6, micros);
        for (at, sep) in [
            (4, b'-'),
            (7, b'-'),
            (10, b'T'),
            (13, b':'),
            (16, b':'),
            (19, b'.'),
        ] {
            buf[at] = sep;
        }
        buf[26] = b'Z';
        std::str::from_utf8(buf).ok()
    }

    /// The same through `time`, for instants outside the years 0000–9999
    /// (empty where `time` cannot show one either).
    fn to_rfc3339_slow(self) -> String {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1000)
            .ok()
            .and_then(|t| t.format(WIRE_FORMAT).ok())
            .unwrap_or_default()
    }
}

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ`
const WIRE_LEN: usize = 27;

/// The proleptic Gregorian (year, month, day) of a count of days since
/// 1970-01-01 (Howard Hinnant's `civil_from_days`: 400-year eras of 146,097
/// days, years starting in March so that the leap day ends them).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut buf = [0; WIRE_LEN];
        match self.write_rfc3339(&mut buf) {
            Some(text) => s.serialize_str(text),
            None => s.serialize_str(&self.to_rfc3339_slow()),
        }
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

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]
        /// The own formatter writes what `time` writes, from the year 0000
        /// to 9999 and a little beyond (where both fall back to `time`).
        #[test]
        fn the_fast_formatter_agrees_with_time(us in -62_200_000_000_000_000i64..253_500_000_000_000_000) {
            let t = Timestamp::from_micros(us);
            proptest::prop_assert_eq!(t.to_rfc3339(), t.to_rfc3339_slow());
            let json = serde_json::to_string(&t).unwrap_or_default();
            proptest::prop_assert_eq!(json, format!("\"{}\"", t.to_rfc3339_slow()));
        }
    }

    #[test]
    fn the_fast_formatter_agrees_with_time_on_edges() {
        let day = 86_400_000_000i64;
        let edges = [
            0,
            -1,
            day - 1,
            951_782_400_000_000,     // 2000-02-29
            4_107_542_400_000_000,   // 2100-03-01
            -62_167_219_200_000_000, // 0000-01-01
            -62_167_219_200_000_001, // the microsecond before
            253_402_300_799_999_999, // 9999-12-31T23:59:59.999999
            253_402_300_800_000_000, // 10000-01-01
        ];
        for us in edges {
            let t = Timestamp::from_micros(us);
            assert_eq!(t.to_rfc3339(), t.to_rfc3339_slow(), "{us}");
        }
        assert_eq!(
            Timestamp::from_micros(951_782_400_000_000).to_rfc3339(),
            "2000-02-29T00:00:00.000000Z"
        );
        assert_eq!(
            Timestamp::from_micros(253_402_300_799_999_999).to_rfc3339(),
            "9999-12-31T23:59:59.999999Z"
        );
    }

    #[test]
    fn after_always_moves_forward() {
        let a = Timestamp::from_micros(10);
        assert_eq!(Timestamp::from_micros(5).after(a).micros(), 11);
        assert_eq!(Timestamp::from_micros(20).after(a).micros(), 20);
    }
}
