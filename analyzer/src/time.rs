//! Timestamps: microseconds since the Unix epoch, UTC, written as RFC 3339.
//!
//! Logs spell time many ways (`2026-11-27 10:00:00.123 UTC`, `2026-11-27T10:00:00.123456Z`,
//! `MySQL`'s `071015 21:43:52`, `SET timestamp=1700000000`); [`Timestamp::parse`]
//! reads all of them without pulling in a date library.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A UTC instant with microsecond precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The first instant written with a four-digit year (0000-01-01).
    pub const MIN: Timestamp = Timestamp(-62_167_219_200_000_000);
    /// The last instant written with a four-digit year (9999-12-31).
    pub const MAX: Timestamp = Timestamp(253_402_300_799_999_999);

    /// From seconds (possibly fractional) since the epoch; `None` outside
    /// [`Timestamp::MIN`]..=[`Timestamp::MAX`], which RFC 3339 cannot write
    /// (and [`Timestamp::parse`] could not read back from `sqlsift events`).
    #[must_use]
    #[allow(clippy::cast_possible_truncation)]
    pub fn from_unix_seconds(secs: f64) -> Option<Self> {
        // The cast saturates, far outside the years; NaN would read as 0.
        let t = Timestamp((secs * 1e6).round() as i64);
        (secs.is_finite() && (Self::MIN..=Self::MAX).contains(&t)).then_some(t)
    }

    /// Microseconds since the epoch.
    #[must_use]
    pub fn micros(self) -> i64 {
        self.0
    }

    /// `ms` milliseconds earlier: a statement's start, from the time a log
    /// wrote it down at its end and its duration.
    #[must_use]
    #[allow(clippy::cast_possible_truncation)]
    pub fn minus_ms(self, ms: f64) -> Self {
        Timestamp(
            self.0
                .saturating_sub((ms * 1000.0).round() as i64)
                .max(Self::MIN.0),
        )
    }

    /// Parses `YYYY-MM-DD[T ]HH:MM:SS[.frac][Z|±HH[:MM]| ZONE]` or `MySQL`'s
    /// `YYMMDD H:MM:SS`. A zone name other than UTC/GMT is read as UTC.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let b = s.as_bytes();
        let (date_days, rest) = if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' {
            let y = num(&b[0..4])?;
            let m = num(&b[5..7])?;
            let d = num(&b[8..10])?;
            (days_from_civil(y, m, d)?, &s[10..])
        } else if b.len() >= 6 && b[..6].iter().all(u8::is_ascii_digit) {
            let y = 2000 + num(&b[0..2])?;
            let m = num(&b[2..4])?;
            let d = num(&b[4..6])?;
            (days_from_civil(y, m, d)?, &s[6..])
        } else {
            return None;
        };
        let rest = rest.strip_prefix(['T', ' ']).unwrap_or(rest).trim_start();
        let rb = rest.as_bytes();
        // H:MM:SS or HH:MM:SS
        let colon = rest.find(':')?;
        if colon == 0 || colon > 2 || rb.len() < colon + 6 || rb[colon + 3] != b':' {
            return None;
        }
        let h = num(&rb[..colon])?;
        let mi = num(&rb[colon + 1..colon + 3])?;
        let sec = num(&rb[colon + 4..colon + 6])?;
        if h > 23 || mi > 59 || sec > 60 {
            return None;
        }
        let mut p = colon + 6;
        let mut micros = 0i64;
        if rb.get(p) == Some(&b'.') || rb.get(p) == Some(&b',') {
            p += 1;
            let mut scale = 100_000;
            while let Some(d) = rb.get(p).filter(|c| c.is_ascii_digit()) {
                micros += i64::from(d - b'0') * scale;
                scale /= 10;
                p += 1;
            }
        }
        let offset_secs = parse_offset(rest[p..].trim())?;
        let secs = date_days * 86_400 + h * 3_600 + mi * 60 + sec - offset_secs;
        let t = Timestamp(secs * 1_000_000 + micros);
        (Self::MIN..=Self::MAX).contains(&t).then_some(t)
    }
}

fn num(b: &[u8]) -> Option<i64> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0, |acc, d| acc * 10 + i64::from(d - b'0')))
}

/// `Z`, `+02`, `+02:00`, `-0530`, a zone name, or nothing.
fn parse_offset(z: &str) -> Option<i64> {
    let b = z.as_bytes();
    match b.first() {
        None => Some(0),
        Some(b'+' | b'-') => {
            let sign = if b[0] == b'-' { -1 } else { 1 };
            let digits: Vec<u8> = b[1..].iter().copied().filter(u8::is_ascii_digit).collect();
            let (h, m) = match digits.len() {
                2 => (num(&digits)?, 0),
                4 => (num(&digits[..2])?, num(&digits[2..])?),
                _ => return None,
            };
            Some(sign * (h * 3_600 + m * 60))
        }
        Some(c) if c.is_ascii_alphabetic() => Some(0),
        _ => None,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> Option<i64> {
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0.div_euclid(1_000_000);
        let micros = self.0.rem_euclid(1_000_000);
        let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
        let tod = secs.rem_euclid(86_400);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}Z",
            tod / 3_600,
            tod / 60 % 60,
            tod % 60
        )
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Timestamp::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("not an RFC 3339 timestamp: `{s}`")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_seen_in_logs() {
        let want = "2026-11-27T10:00:00.123000Z";
        for s in [
            "2026-11-27 10:00:00.123 UTC",
            "2026-11-27T10:00:00.123Z",
            "2026-11-27T11:00:00.123+01:00",
            "2026-11-27 05:30:00.123 -0430",
            "2026-11-27 10:00:00.123",
        ] {
            assert_eq!(
                Timestamp::parse(s).map(|t| t.to_string()).as_deref(),
                Some(want),
                "{s}"
            );
        }
        assert_eq!(
            Timestamp::parse("071015 1:43:52").unwrap().to_string(),
            "2007-10-15T01:43:52.000000Z"
        );
        assert_eq!(
            Timestamp::from_unix_seconds(0.0).unwrap().to_string(),
            "1970-01-01T00:00:00.000000Z"
        );
    }

    #[test]
    fn rejects_non_dates() {
        for s in ["", "hello", "2026-13-01 00:00:00", "2026-11-27", "123456"] {
            assert_eq!(Timestamp::parse(s), None, "{s}");
        }
    }

    #[test]
    fn round_trips_through_display() {
        for t in [
            Timestamp(0),
            Timestamp(1),
            Timestamp(-1),
            Timestamp(1_764_237_600_123_456),
            Timestamp::MIN,
            Timestamp::MAX,
        ] {
            assert_eq!(Timestamp::parse(&t.to_string()), Some(t));
        }
    }

    /// Times past the four-digit years come from bogus input (`SET
    /// timestamp=1e13;`, a huge duration): they are not made, so that what
    /// sqlsift writes it can read back.
    #[test]
    fn only_four_digit_years_are_made() {
        assert_eq!(Timestamp::from_unix_seconds(1e13), None);
        assert_eq!(Timestamp::from_unix_seconds(-1e12), None);
        assert_eq!(Timestamp::from_unix_seconds(f64::NAN), None);
        assert_eq!(
            Timestamp::from_unix_seconds(253_402_300_799.0),
            Some(Timestamp(253_402_300_799_000_000))
        );
        assert_eq!(Timestamp::MIN.minus_ms(1e300), Timestamp::MIN);
        assert_eq!(Timestamp(0).minus_ms(1e30), Timestamp::MIN);
        // An offset that moves a date past the years is not read either.
        assert_eq!(Timestamp::parse("0000-01-01T00:00:00+01:00"), None);
        assert_eq!(Timestamp::parse("9999-12-31T23:59:59-01:00"), None);
    }
}
