//! Dense least squares for the small systems the models solve (tens of columns).
//!
//! Ridge regression through the normal equations and a Cholesky factorisation: the design
//! matrices are tall and thin, so forming `XᵀX` (p×p) is cheap and stable enough once a
//! small ridge term is added. `penalty[j]` lets a model penalise some columns (changepoint
//! slopes) and not others (intercept).

use crate::error::ForecastError;

/// Accumulates `XᵀX` and `Xᵀy` row by row, so callers never build the full matrix.
#[derive(Debug, Clone)]
pub struct NormalEquations {
    p: usize,
    xtx: Vec<f64>,
    xty: Vec<f64>,
    rows: usize,
}

impl NormalEquations {
    /// Empty system with `p` columns.
    pub fn new(p: usize) -> Self {
        Self {
            p,
            xtx: vec![0.0; p * p],
            xty: vec![0.0; p],
            rows: 0,
        }
    }

    /// Adds one observation with weight 1.
    pub fn add_row(&mut self, row: &[f64], y: f64) {
        debug_assert_eq!(row.len(), self.p);
        for i in 0..self.p {
            let ri = row[i];
            if ri == 0.0 {
                continue;
            }
            self.xty[i] += ri * y;
            let base = i * self.p;
            for (j, rj) in row.iter().enumerate().skip(i) {
                self.xtx[base + j] += ri * rj;
            }
        }
        self.rows += 1;
    }

    /// Adds another accumulated system (used to combine per-series blocks in a fixed order).
    pub fn merge(&mut self, other: &NormalEquations) {
        for (a, b) in self.xtx.iter_mut().zip(&other.xtx) {
            *a += b;
        }
        for (a, b) in self.xty.iter_mut().zip(&other.xty) {
            *a += b;
        }
        self.rows += other.rows;
    }

    /// Number of rows added.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Solves `(XᵀX + diag(penalty)) β = Xᵀy`.
    pub fn solve(&self, penalty: &[f64]) -> Result<Vec<f64>, ForecastError> {
        let p = self.p;
        let mut a = vec![0.0; p * p];
        for i in 0..p {
            for j in i..p {
                a[i * p + j] = self.xtx[i * p + j];
                a[j * p + i] = self.xtx[i * p + j];
            }
            // A tiny jitter relative to the diagonal keeps collinear designs solvable.
            a[i * p + i] += penalty[i] + 1e-9 * (1.0 + a[i * p + i].abs());
        }
        cholesky_solve(&mut a, &self.xty, p)
    }
}

/// Solves `A x = b` for symmetric positive definite `A` (row-major, overwritten).
pub fn cholesky_solve(a: &mut [f64], b: &[f64], p: usize) -> Result<Vec<f64>, ForecastError> {
    for j in 0..p {
        let mut d = a[j * p + j];
        for k in 0..j {
            d -= a[j * p + k] * a[j * p + k];
        }
        if d <= 0.0 || !d.is_finite() {
            return Err(ForecastError::Numerical {
                model: "least squares",
                reason: "matrix not positive definite".into(),
            });
        }
        let d = d.sqrt();
        a[j * p + j] = d;
        for i in (j + 1)..p {
            let mut s = a[i * p + j];
            for k in 0..j {
                s -= a[i * p + k] * a[j * p + k];
            }
            a[i * p + j] = s / d;
        }
    }
    let mut z = b.to_vec();
    for i in 0..p {
        for k in 0..i {
            z[i] -= a[i * p + k] * z[k];
        }
        z[i] /= a[i * p + i];
    }
    for i in (0..p).rev() {
        for k in (i + 1)..p {
            z[i] -= a[k * p + i] * z[k];
        }
        z[i] /= a[i * p + i];
    }
    Ok(z)
}

/// Dot product.
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_exact_linear_relation() {
        let mut ne = NormalEquations::new(2);
        for t in 0..20 {
            let t = f64::from(t);
            ne.add_row(&[1.0, t], 3.0 + 0.5 * t);
        }
        let beta = ne.solve(&[0.0, 0.0]).unwrap();
        assert!((beta[0] - 3.0).abs() < 1e-6 && (beta[1] - 0.5).abs() < 1e-6);
    }

    #[test]
    fn penalty_shrinks_coefficients() {
        let mut ne = NormalEquations::new(1);
        for _ in 0..10 {
            ne.add_row(&[1.0], 1.0);
        }
        let free = ne.solve(&[0.0]).unwrap()[0];
        let shrunk = ne.solve(&[10.0]).unwrap()[0];
        assert!((free - 1.0).abs() < 1e-6 && (shrunk - 0.5).abs() < 1e-6);
    }
}
