//! Demand classes after Syntetos & Boylan (2005): ADI (average interval between non-zero
//! days) and CV² (squared coefficient of variation of the non-zero quantities).
//!
//! | | CV² < 0.49 | CV² ≥ 0.49 |
//! |---|---|---|
//! | ADI < 1.32 | smooth | erratic |
//! | ADI ≥ 1.32 | intermittent | lumpy |
//!
//! Smooth and erratic series get the continuous models; intermittent and lumpy series the
//! Croston family. A series with no sale at all is `Zero`.

/// ADI cut-off.
pub const ADI_CUTOFF: f64 = 1.32;
/// CV² cut-off.
pub const CV2_CUTOFF: f64 = 0.49;

/// Demand class of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DemandClass {
    /// Regular demand, low variability.
    Smooth,
    /// Regular demand, high variability.
    Erratic,
    /// Sporadic demand, regular sizes.
    Intermittent,
    /// Sporadic demand, variable sizes.
    Lumpy,
    /// No demand in the history.
    Zero,
}

impl DemandClass {
    /// True when the Croston family fits better than continuous models.
    pub fn is_sporadic(self) -> bool {
        matches!(self, DemandClass::Intermittent | DemandClass::Lumpy)
    }
}

/// ADI and CV² of a history (ADI is infinite for an all-zero history).
pub fn adi_cv2(y: &[f64]) -> (f64, f64) {
    let nonzero: Vec<f64> = y.iter().copied().filter(|v| *v > 0.0).collect();
    if nonzero.is_empty() {
        return (f64::INFINITY, 0.0);
    }
    let adi = y.len() as f64 / nonzero.len() as f64;
    let m = crate::stats::mean(&nonzero);
    let cv2 = crate::stats::variance(&nonzero) / (m * m);
    (adi, cv2)
}

/// Classifies a history.
pub fn classify(y: &[f64]) -> DemandClass {
    let (adi, cv2) = adi_cv2(y);
    match (adi.is_infinite(), adi < ADI_CUTOFF, cv2 < CV2_CUTOFF) {
        (true, _, _) => DemandClass::Zero,
        (false, true, true) => DemandClass::Smooth,
        (false, true, false) => DemandClass::Erratic,
        (false, false, true) => DemandClass::Intermittent,
        (false, false, false) => DemandClass::Lumpy,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_follow_syntetos_boylan() {
        assert_eq!(classify(&[5.0, 6.0, 5.0, 4.0, 5.0]), DemandClass::Smooth);
        assert_eq!(classify(&[1.0, 9.0, 1.0, 12.0, 2.0]), DemandClass::Erratic);
        assert_eq!(
            classify(&[0.0, 0.0, 3.0, 0.0, 0.0, 3.0, 0.0, 2.0]),
            DemandClass::Intermittent
        );
        assert_eq!(
            classify(&[0.0, 0.0, 1.0, 0.0, 0.0, 20.0, 0.0, 0.0]),
            DemandClass::Lumpy
        );
        assert_eq!(classify(&[0.0; 10]), DemandClass::Zero);
    }
}
