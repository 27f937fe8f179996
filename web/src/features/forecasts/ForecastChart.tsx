/**
 * History and forecast of one product in one store, drawn by Chart.js: what sold each day
 * (bars), the forecast (line) and its interval (a shaded band between the low and high bound).
 * The canvas is an image with a text summary; the same numbers follow as a table.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
} from "chart.js";
import { useEffect, useRef } from "react";
import type { ChartData } from "./describe";

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);

export function ForecastChart({
  data,
  level,
  title,
  summary,
  unit,
  format,
  dateLabel,
}: {
  data: ChartData;
  level: number;
  title: string;
  summary: string;
  /** The quantity's unit for the axis ("units", "kg"). */
  unit: string;
  format: (v: number) => string;
  dateLabel: (iso: string) => string;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const el = canvas.current;
    // No 2D context (a test DOM): the table below still carries every number.
    if (!el || !el.getContext?.("2d")) return;
    const chart = new Chart(el, {
      type: "bar",
      data: {
        labels: data.labels.map(dateLabel),
        datasets: [
          {
            type: "line",
            label: `Low (${level} % interval)`,
            data: data.lo,
            borderWidth: 0,
            pointRadius: 0,
            borderColor: "rgba(217, 119, 6, 0)",
            backgroundColor: "rgba(217, 119, 6, 0)",
            fill: false,
            order: 3,
          },
          {
            type: "line",
            label: `${level} % interval`,
            data: data.hi,
            borderWidth: 0,
            pointRadius: 0,
            borderColor: "rgba(217, 119, 6, 0)",
            backgroundColor: "rgba(217, 119, 6, 0.22)",
            fill: "-1",
            order: 3,
          },
          {
            type: "line",
            label: "Forecast",
            data: data.mean,
            borderColor: "#b45309",
            backgroundColor: "#b45309",
            borderWidth: 2,
            borderDash: [6, 3],
            pointRadius: 0,
            tension: 0.2,
            order: 1,
          },
          {
            type: "bar",
            label: "Sold",
            data: data.history,
            backgroundColor: "#1d4ed8",
            borderWidth: 0,
            order: 2,
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: {
            display: true,
            labels: {
              color: "#374151",
              // The low bound is the band's edge, not a series of its own.
              filter: (item) => !item.text.startsWith("Low"),
            },
          },
          tooltip: {
            filter: (item) => item.raw !== null && item.raw !== undefined,
            callbacks: { label: (c) => `${c.dataset.label}: ${format(Number(c.raw))}` },
          },
        },
        scales: {
          x: {
            ticks: { color: "#374151", autoSkip: true, maxRotation: 0 },
            grid: { display: false },
          },
          y: {
            beginAtZero: true,
            title: { display: true, text: `Sold per day (${unit})`, color: "#374151" },
            ticks: { color: "#374151" },
            grid: { color: "#e5e7eb" },
          },
        },
      },
    });
    return () => chart.destroy();
  }, [data, level, unit, format, dateLabel]);

  const forecastRows = data.labels
    .map((d, i) => ({ d, i }))
    .filter(({ i }) => data.mean[i] !== null || data.history[i] !== null);
  return (
    <figure className="chart forecast-chart">
      <div className="chart-canvas" style={{ height: "20rem" }}>
        <canvas ref={canvas} role="img" aria-label={`${title}: ${summary}`} />
      </div>
      <details>
        <summary>{title} as a table</summary>
        <div className="table-wrap" tabIndex={0} role="region" aria-label={`${title}, by day`}>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col" className="num">
                  Sold
                </th>
                <th scope="col" className="num">
                  Forecast
                </th>
                <th scope="col" className="num">
                  Low ({level} %)
                </th>
                <th scope="col" className="num">
                  High ({level} %)
                </th>
              </tr>
            </thead>
            <tbody>
              {forecastRows.map(({ d, i }) => (
                <tr key={d}>
                  <td>{dateLabel(d)}</td>
                  <td className="num">{cell(data.history[i], format)}</td>
                  <td className="num">{cell(data.mean[i], format)}</td>
                  <td className="num">{cell(data.lo[i], format)}</td>
                  <td className="num">{cell(data.hi[i], format)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}

function cell(v: number | null | undefined, format: (v: number) => string): string {
  return v === null || v === undefined ? "" : format(v);
}
