//! `chainsync forecast`: history CSV in, forecast CSV out.

use anyhow::{Context, bail};
use chainsync_analytics::engine::{EngineConfig, Method, run_panel};

use crate::args::ForecastArgs;
use crate::input::read_panel;
use crate::output::write_forecasts;
use crate::progress::bar;

/// Runs the forecast form.
pub fn run(args: &ForecastArgs) -> anyhow::Result<()> {
    let (Some(input), Some(output), Some(horizon)) = (&args.input, &args.output, args.horizon)
    else {
        bail!("--input, --output and --horizon are required");
    };
    if horizon == 0 {
        bail!("--horizon must be at least 1");
    }
    if !(args.level > 0.0 && args.level < 100.0) {
        bail!(
            "--level must be between 0 and 100 (exclusive), got {}",
            args.level
        );
    }
    let mut panel = read_panel(input, &args.features, horizon)?;
    if let Some(future) = &args.future {
        crate::future::apply_future(future, &args.features, &mut panel)?;
    }
    let cfg = EngineConfig {
        horizon,
        level: args.level,
        windows: args.windows,
        reconcile: !args.no_reconcile,
        ..EngineConfig::default()
    };
    let method = args.model.model().map_or(Method::Ensemble, Method::Single);
    let pb = bar(2 * panel.len(), "forecasting");
    let out = run_panel(&panel, &cfg, method, &|| pb.inc(1)).context("forecasting failed")?;
    pb.finish_and_clear();
    let forecasts: Vec<_> = out.series.into_iter().map(|s| s.forecast).collect();
    write_forecasts(output, &panel, &forecasts)
}
