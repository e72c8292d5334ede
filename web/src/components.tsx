import {
  ArcElement, BarController, BarElement, CategoryScale, Chart, type ChartConfiguration, Legend, LinearScale, PointElement,
  ScatterController, Tooltip,
} from 'chart.js';
import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';

Chart.register(ScatterController, BarController, LinearScale, CategoryScale, PointElement, BarElement, ArcElement, Tooltip, Legend);
Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, Ubuntu, sans-serif';
Chart.defaults.color = '#2b3138';
Chart.defaults.animation = false;

/** A Chart.js chart; rebuilt when `config` changes. `label` names it for screen readers. */
export function ChartView({ config, label, height = 320 }: { config: ChartConfiguration; label: string; height?: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, { ...config, options: { responsive: true, maintainAspectRatio: false, ...config.options } });
    return () => chart.destroy();
  }, [config]);
  return (
    <div class="chart" style={{ height: `${height}px` }}>
      <canvas ref={canvas} role="img" aria-label={label} />
    </div>
  );
}

export function Panel({ title, actions, children, id }: { title: string; actions?: ComponentChildren; children: ComponentChildren; id?: string }) {
  return (
    <section class="panel" aria-labelledby={id ? `${id}-h` : undefined}>
      <header class="panel-head">
        <h2 id={id ? `${id}-h` : undefined}>{title}</h2>
        {actions ? <div class="panel-actions">{actions}</div> : null}
      </header>
      {children}
    </section>
  );
}

export function ErrorNote({ message }: { message: string | undefined }) {
  return message ? <p class="note error" role="alert">{message}</p> : null;
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="note empty">{children}</p>;
}

export function Badge({ children, tone = 'plain' }: { children: ComponentChildren; tone?: 'plain' | 'ok' | 'warn' | 'bad' | 'info' }) {
  return <span class={`badge ${tone}`}>{children}</span>;
}

/** A native modal dialog: focus is trapped, Escape closes it, focus returns to the opener. */
export function Dialog({ open, title, onClose, children }: { open: boolean; title: string; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  // a view may hold several dialogs: each names itself by its own heading
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} onClose={onClose} aria-labelledby={titleId}>
      <h2 id={titleId}>{title}</h2>
      {open ? children : null}
    </dialog>
  );
}

/** A labelled drop-down choosing one of `options` (value and the text shown). */
export function Picker({ label, value, options, onChange }: {
  label: string;
  value: string | undefined;
  options: readonly { value: string; text: string }[];
  onChange: (value: string) => void;
}) {
  return (
    <label class="field">
      {label}
      <select value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        {options.map((o) => <option key={o.value} value={o.value}>{o.text}</option>)}
      </select>
    </label>
  );
}
