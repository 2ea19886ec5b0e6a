/**
 * The time-series chart (uPlot): one line per group and output, a legend that shows the values
 * under the cursor with the bucket's full nanosecond time, and drag-to-zoom that hands the
 * selected range back (the page then queries it again). It draws what it is given: the page
 * downsamples by bucket before (never raw rows). The container carries the drawn data's shape in
 * `data-series` (label and points per line) for tests and for anyone inspecting the page.
 */
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import { formatNs, toSeconds, type Zone } from "./time.js";

export interface ChartLine {
  label: string;
  values: (number | null)[];
}

export interface ChartData {
  /** bucket times, ascending, exact */
  times: bigint[];
  lines: ChartLine[];
}

const COLORS = [
  "#2563eb",
  "#dc2626",
  "#16a34a",
  "#9333ea",
  "#ea580c",
  "#0891b2",
  "#ca8a04",
  "#db2777",
  "#4b5563",
  "#65a30d",
];

export function Chart(props: { data: ChartData; zone: Zone; onZoom: (start: number, end: number) => void }) {
  const box = useRef<HTMLDivElement>(null);
  const zoom = useRef(props.onZoom);
  zoom.current = props.onZoom;
  const { data, zone } = props;

  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const xs = data.times.map(toSeconds);
    const options: uPlot.Options = {
      width: Math.max(320, el.clientWidth),
      height: 360,
      scales: { x: { time: true } },
      ...(zone === "UTC" ? { tzDate: (ts: number) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC") } : {}),
      series: [
        {
          label: `time (${zone === "UTC" ? "UTC" : "local"})`,
          value: (_u, _v, _s, idx) => {
            const t = idx === null || idx === undefined ? undefined : data.times[idx];
            return t === undefined ? "—" : formatNs(t, zone);
          },
        },
        ...data.lines.map((line, i) => ({
          label: line.label,
          stroke: COLORS[i % COLORS.length],
          width: 1.5,
          points: { show: xs.length <= 200 },
        })),
      ],
      cursor: { drag: { x: true, y: false, setScale: false } },
      legend: { live: true },
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width < 3) return;
            const start = u.posToVal(u.select.left, "x");
            const end = u.posToVal(u.select.left + u.select.width, "x");
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            zoom.current(start, end);
          },
        ],
      },
    };
    const plot = new uPlot(options, [xs, ...data.lines.map((l) => l.values)] as uPlot.AlignedData, el);
    const resize = new ResizeObserver(() =>
      plot.setSize({ width: Math.max(320, el.clientWidth), height: 360 }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [data, zone]);

  const shape = data.lines.map((l) => ({
    label: l.label,
    points: l.values.filter((v) => v !== null).length,
  }));
  return (
    <figure class="chart">
      <div
        ref={box}
        class="chart-box"
        data-testid="chart"
        data-buckets={data.times.length}
        data-series={JSON.stringify(shape)}
        role="img"
        aria-label={`Chart of ${data.lines.length} lines over ${data.times.length} buckets; the table below has the values`}
      />
      <figcaption class="hint">Drag across the chart to zoom into that range.</figcaption>
    </figure>
  );
}
