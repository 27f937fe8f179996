//! Writes the forecast CSV atomically: to a temporary file beside the target, renamed into
//! place only when complete, so a failed run leaves no partial output.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use chainsync_analytics::Forecast;
use chainsync_analytics::engine::PanelSeries;

/// Writes `series_id,date,forecast,lo,hi` rows.
pub fn write_forecasts(
    path: &Path,
    panel: &[PanelSeries],
    forecasts: &[Forecast],
) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .context("--output must name a file")?
        .to_string_lossy();
    let tmp = dir.join(format!(".{name}.partial"));
    let result = (|| -> anyhow::Result<()> {
        let file = std::fs::File::create(&tmp)
            .with_context(|| format!("cannot create {}", tmp.display()))?;
        let mut w = std::io::BufWriter::new(file);
        writeln!(w, "series_id,date,forecast,lo,hi")?;
        for (p, f) in panel.iter().zip(forecasts) {
            let last = p.series.len() - 1;
            let id = csv_field(&p.id);
            for h in 0..f.len() {
                let date = p.series.date(last + 1 + h);
                writeln!(
                    w,
                    "{id},{date},{:.4},{:.4},{:.4}",
                    f.mean[h], f.lo[h], f.hi[h]
                )?;
            }
        }
        w.flush()?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

/// Quotes a field when CSV needs it.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
