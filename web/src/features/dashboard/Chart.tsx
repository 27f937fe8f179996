/**
 * Charts drawn by Chart.js (only the parts used are registered, so the bundle carries only
 * them; the dashboard chunk is loaded on demand). Every chart is an image with a text summary
 * for screen readers, followed by its data as a table (the same numbers, for everyone).
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
} from "chart.js";
import { useEffect, useRef } from "react";

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);

export interface Series {
  labels: string[];
  values: number[];
}

export function BarChart({
  title,
  summary,
  data,
  format,
  exact,
  axisLabel,
  horizontal,
  line,
  labelHeading,
}: {
  title: string;
  summary: string;
  data: Series;
  /** Axis ticks (may be compact: "€1.2K"). */
  format: (v: number) => string;
  /** Tooltips and the table: the exact amount. */
  exact: (v: number) => string;
  axisLabel: string;
  horizontal?: boolean;
  line?: boolean;
  /** The table's first column heading (default "When" or "Name"). */
  labelHeading?: string;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const valueAxis = {
      beginAtZero: true,
      title: { display: true, text: axisLabel, color: "#374151" },
      ticks: { callback: (v: string | number) => format(Number(v)), color: "#374151" },
      grid: { color: "#e5e7eb" },
    };
    const labelAxis = { ticks: { color: "#374151", autoSkip: true }, grid: { display: false } };
    const chart = new Chart(canvas.current, {
      type: line ? "line" : "bar",
      data: {
        labels: data.labels,
        datasets: [
          {
            label: title,
            data: data.values,
            backgroundColor: "#1d4ed8",
            borderColor: "#1d4ed8",
            borderWidth: line ? 2 : 0,
            pointRadius: line ? 3 : 0,
            tension: 0.2,
          },
        ],
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: (c) => exact(Number(c.raw)) } },
        },
        scales: horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
      },
    });
    return () => chart.destroy();
  }, [data, format, exact, title, axisLabel, horizontal, line]);
  return (
    <figure className="chart">
      <div
        className="chart-canvas"
        style={{ height: horizontal ? `${Math.max(8, data.labels.length * 2.2)}rem` : "16rem" }}
      >
        <canvas ref={canvas} role="img" aria-label={`${title}: ${summary}`} />
      </div>
      <details>
        <summary>{title} as a table</summary>
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{labelHeading ?? (horizontal ? "Name" : "When")}</th>
              <th scope="col" className="num">
                {axisLabel}
              </th>
            </tr>
          </thead>
          <tbody>
            {data.labels.map((l, i) => (
              <tr key={`${l}-${i}`}>
                <td>{l}</td>
                <td className="num">{exact(data.values[i] ?? 0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
