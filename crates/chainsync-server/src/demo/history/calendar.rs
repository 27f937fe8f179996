//! The calendar the demo's shoppers live by: public holidays per country, shop opening rules,
//! the weekly rhythm and the yearly seasons of each kind of product.
//!
//! Pure functions of the date; no randomness. Holidays are the national ones of the five demo
//! countries (DE, FR, NL, AT, ES), including the Easter-based ones (Western Easter, Gauss's
//! algorithm as corrected by Meeus/Jones/Butcher). Regional holidays are left out.

use chrono::{Datelike, NaiveDate, Weekday};

/// How a holiday changes a store's day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DayKind {
    /// An ordinary trading day.
    Open,
    /// Shops are closed by law or custom: nothing is sold.
    Closed,
    /// Open, with demand multiplied (a holiday with short hours, or a shopping peak).
    Scaled(f64),
}

/// Easter Sunday of `year` (Gregorian).
pub fn easter(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).unwrap_or_default()
}

/// The national public holiday of `country` on `date`, by name.
pub fn holiday(country: &str, date: NaiveDate) -> Option<&'static str> {
    let (m, d) = (date.month(), date.day());
    let fixed: &[(u32, u32, &str)] = match country {
        "DE" => &[
            (1, 1, "New Year"),
            (5, 1, "Labour Day"),
            (10, 3, "German Unity Day"),
            (12, 25, "Christmas Day"),
            (12, 26, "St Stephen's Day"),
        ],
        "FR" => &[
            (1, 1, "New Year"),
            (5, 1, "Labour Day"),
            (5, 8, "Victory in Europe Day"),
            (7, 14, "Bastille Day"),
            (8, 15, "Assumption"),
            (11, 1, "All Saints"),
            (11, 11, "Armistice Day"),
            (12, 25, "Christmas Day"),
        ],
        "NL" => &[
            (1, 1, "New Year"),
            (4, 27, "King's Day"),
            (5, 5, "Liberation Day"),
            (12, 25, "Christmas Day"),
            (12, 26, "Second Christmas Day"),
        ],
        "AT" => &[
            (1, 1, "New Year"),
            (1, 6, "Epiphany"),
            (5, 1, "Labour Day"),
            (8, 15, "Assumption"),
            (10, 26, "National Day"),
            (11, 1, "All Saints"),
            (12, 8, "Immaculate Conception"),
            (12, 25, "Christmas Day"),
            (12, 26, "St Stephen's Day"),
        ],
        "ES" => &[
            (1, 1, "New Year"),
            (1, 6, "Epiphany"),
            (5, 1, "Labour Day"),
            (8, 15, "Assumption"),
            (10, 12, "National Day"),
            (11, 1, "All Saints"),
            (12, 6, "Constitution Day"),
            (12, 8, "Immaculate Conception"),
            (12, 25, "Christmas Day"),
        ],
        _ => &[],
    };
    if let Some((_, _, name)) = fixed.iter().find(|(fm, fd, _)| *fm == m && *fd == d) {
        return Some(name);
    }
    let offset = (date - easter(date.year())).num_days();
    let moving: &[(i64, &str)] = match country {
        "DE" => &[
            (-2, "Good Friday"),
            (1, "Easter Monday"),
            (39, "Ascension"),
            (50, "Whit Monday"),
        ],
        "FR" => &[(1, "Easter Monday"), (39, "Ascension"), (50, "Whit Monday")],
        "NL" => &[
            (-2, "Good Friday"),
            (1, "Easter Monday"),
            (39, "Ascension"),
            (50, "Whit Monday"),
        ],
        "AT" => &[
            (1, "Easter Monday"),
            (39, "Ascension"),
            (50, "Whit Monday"),
            (60, "Corpus Christi"),
        ],
        "ES" => &[(-3, "Maundy Thursday"), (-2, "Good Friday")],
        _ => &[],
    };
    moving
        .iter()
        .find(|(o, _)| *o == offset)
        .map(|(_, name)| *name)
}

/// Whether shops in `country` close on Sundays and public holidays (Germany's and Austria's
/// shop-closing laws); elsewhere they open with shorter hours.
pub fn closes_on_sundays(country: &str) -> bool {
    matches!(country, "DE" | "AT")
}

/// What kind of trading day `date` is for a store in `country`.
pub fn day_kind(country: &str, date: NaiveDate) -> DayKind {
    let strict = closes_on_sundays(country);
    let (m, d) = (date.month(), date.day());
    // Christmas Day and New Year close every demo store.
    if (m, d) == (12, 25) || (m, d) == (1, 1) {
        return DayKind::Closed;
    }
    if holiday(country, date).is_some() {
        return if strict {
            DayKind::Closed
        } else {
            DayKind::Scaled(0.55)
        };
    }
    if date.weekday() == Weekday::Sun && strict {
        return DayKind::Closed;
    }
    // Shopping peaks: Christmas Eve (short hours, big baskets), the days before Christmas and
    // New Year, and the day before a holiday that closes the shops.
    if (m, d) == (12, 24) {
        return DayKind::Scaled(1.6);
    }
    if m == 12 && (20..=23).contains(&d) {
        return DayKind::Scaled(1.35);
    }
    if (m, d) == (12, 31) {
        return DayKind::Scaled(1.4);
    }
    let tomorrow = date.succ_opt().unwrap_or(date);
    if strict && holiday(country, tomorrow).is_some() {
        return DayKind::Scaled(1.3);
    }
    DayKind::Open
}

/// The weekly rhythm: demand on each weekday relative to an average open day. Saturday is the
/// big shopping day; Sunday (where shops open) is short.
pub fn weekday_factor(weekday: Weekday) -> f64 {
    match weekday {
        Weekday::Mon => 0.86,
        Weekday::Tue => 0.88,
        Weekday::Wed => 0.92,
        Weekday::Thu => 0.98,
        Weekday::Fri => 1.18,
        Weekday::Sat => 1.38,
        Weekday::Sun => 0.68,
    }
}

/// Opening hours on the store's wall clock, `(open, close)` in minutes after midnight.
pub fn opening_hours(country: &str, date: NaiveDate) -> (u32, u32) {
    if (date.month(), date.day()) == (12, 24) || (date.month(), date.day()) == (12, 31) {
        return (8 * 60, 14 * 60);
    }
    match (date.weekday(), country) {
        (Weekday::Sun, _) => (10 * 60, 18 * 60),
        (Weekday::Sat, _) => (8 * 60, 20 * 60),
        (_, "ES") => (9 * 60, 21 * 60 + 30),
        _ => (8 * 60, 20 * 60),
    }
}

/// Yearly seasonality of a product: a multiplier around 1 from its category and, for a few
/// items that follow the weather (sun cream, ice cream, rain jackets), its own name.
/// `day_of_year` is 1-based.
pub fn season_factor(category: &str, item: &str, date: NaiveDate) -> f64 {
    let doy = f64::from(date.ordinal());
    // A cosine peaking on `peak` (day of year), swinging by `amp` either way.
    let wave = |peak: f64, amp: f64| {
        1.0 + amp * (2.0 * std::f64::consts::PI * (doy - peak) / 365.25).cos()
    };
    let by_item = if item.contains("Sun Cream") || item.contains("Ice Cream") {
        wave(196.0, 0.85)
    } else if item.contains("Sorbet") || item.contains("Iced Tea") || item.contains("Lemonade") {
        wave(200.0, 0.6)
    } else if item.contains("Rain Jacket") || item.contains("Hoodie") || item.contains("Beanie") {
        wave(320.0, 0.7)
    } else if item.contains("T-Shirt") {
        wave(170.0, 0.5)
    } else if item.contains("Candles") {
        wave(350.0, 0.6)
    } else {
        match category {
            "Beverages" => wave(200.0, 0.25),
            "Frozen" => wave(205.0, 0.2),
            "Fruit & Vegetables" => wave(230.0, 0.12),
            "Bakery" | "Dairy" => wave(15.0, 0.05),
            "Snacks" => wave(355.0, 0.12),
            _ => 1.0,
        }
    };
    // Everyone buys more in December and less in January.
    let month = match date.month() {
        12 => 1.12,
        1 => 0.9,
        _ => 1.0,
    };
    by_item * month
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn easter_dates_match_the_calendar() {
        assert_eq!(easter(2024), date(2024, 3, 31));
        assert_eq!(easter(2025), date(2025, 4, 20));
        assert_eq!(easter(2026), date(2026, 4, 5));
        assert_eq!(easter(2027), date(2027, 3, 28));
    }

    #[test]
    fn holidays_are_national() {
        assert_eq!(holiday("DE", date(2026, 10, 3)), Some("German Unity Day"));
        assert_eq!(holiday("FR", date(2026, 10, 3)), None);
        assert_eq!(holiday("FR", date(2026, 7, 14)), Some("Bastille Day"));
        assert_eq!(holiday("AT", date(2026, 6, 4)), Some("Corpus Christi"));
        assert_eq!(holiday("DE", date(2026, 5, 25)), Some("Whit Monday"));
        assert_eq!(holiday("ES", date(2026, 4, 2)), Some("Maundy Thursday"));
        assert_eq!(holiday("NL", date(2026, 4, 27)), Some("King's Day"));
    }

    #[test]
    fn german_and_austrian_shops_close_on_sundays_and_holidays() {
        // 2026-11-29 is a Sunday.
        assert_eq!(day_kind("DE", date(2026, 11, 29)), DayKind::Closed);
        assert_eq!(day_kind("AT", date(2026, 10, 26)), DayKind::Closed);
        assert_eq!(day_kind("FR", date(2026, 11, 29)), DayKind::Open);
        assert!(matches!(
            day_kind("FR", date(2026, 7, 14)),
            DayKind::Scaled(f) if f < 1.0
        ));
        assert_eq!(day_kind("ES", date(2026, 12, 25)), DayKind::Closed);
        // The day before German Unity Day is a peak.
        assert!(matches!(
            day_kind("DE", date(2026, 10, 2)),
            DayKind::Scaled(f) if f > 1.0
        ));
    }

    #[test]
    fn sun_cream_sells_in_summer_and_rain_jackets_in_autumn() {
        let summer = date(2026, 7, 15);
        let winter = date(2026, 1, 20);
        assert!(
            season_factor("Personal Care", "Sun Cream SPF 30", summer)
                > 3.0 * season_factor("Personal Care", "Sun Cream SPF 30", winter)
        );
        assert!(
            season_factor("Clothing", "Rain Jacket", date(2026, 11, 10))
                > 2.0 * season_factor("Clothing", "Rain Jacket", date(2026, 5, 10))
        );
        assert!(weekday_factor(Weekday::Sat) > weekday_factor(Weekday::Tue) * 1.3);
    }
}
