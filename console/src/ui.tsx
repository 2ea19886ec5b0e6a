/** Small shared pieces: the problem box, a confirmation dialog, status badges, a copy button. */
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, type Problem } from "./api.js";

export function problemFrom(err: unknown): Problem {
  if (err instanceof ApiError) return err.problem;
  return {
    title: "Unexpected error in the console",
    status: 0,
    detail: (err as Error)?.message ?? String(err),
  };
}

/** A problem+json as the API said it: status, title, code, detail, each issue, and the request id. */
export function ProblemBox({
  problem,
  children,
}: {
  problem: Problem | undefined;
  children?: ComponentChildren;
}) {
  if (problem === undefined) return null;
  return (
    <div class="problem" role="alert" data-testid="problem" data-code={problem.code ?? ""}>
      <p class="problem-title">
        {problem.status > 0 && <span class="problem-status">{problem.status}</span>} {problem.title}
        {problem.code !== undefined && <code class="problem-code">{problem.code}</code>}
      </p>
      {problem.detail !== undefined && problem.detail !== "" && (
        <p class="problem-detail">{problem.detail}</p>
      )}
      {problem.errors !== undefined && problem.errors.length > 0 && (
        <ul class="problem-issues">
          {problem.errors.map((issue, i) => (
            <li key={i}>
              {issue.path !== undefined && <code>{issue.path.join(".")}</code>} {issue.message}
            </li>
          ))}
        </ul>
      )}
      {children}
      {problem.requestId !== undefined && (
        <p class="problem-request">
          request id <code data-testid="request-id">{problem.requestId}</code>
        </p>
      )}
    </div>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge badge-${status}`}>{status}</span>;
}

/** A modal confirmation (native <dialog>: focus kept inside, Escape cancels). */
export function Confirm(props: {
  open: boolean;
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  /** when set, the user types it to enable the button */
  typeToConfirm?: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [typed, setTyped] = useState("");
  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    if (props.open && !dialog.open) {
      setTyped("");
      dialog.showModal();
    } else if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  const ready = props.typeToConfirm === undefined || typed === props.typeToConfirm;
  return (
    <dialog ref={ref} class="confirm" onCancel={props.onCancel} aria-labelledby="confirm-title">
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (ready) props.onConfirm();
        }}
      >
        <h2 id="confirm-title">{props.title}</h2>
        <div>{props.children}</div>
        {props.typeToConfirm !== undefined && (
          <label>
            Type <code>{props.typeToConfirm}</code> to confirm
            <input
              name="confirm-name"
              autocomplete="off"
              value={typed}
              onInput={(e) => setTyped((e.target as HTMLInputElement).value)}
            />
          </label>
        )}
        <div class="actions">
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
          <button type="submit" class="danger" disabled={!ready}>
            {props.confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}

export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
          setDone(true);
        } catch {
          setDone(false);
        }
      }}
    >
      {done ? "Copied" : label}
    </button>
  );
}

/** A labelled control; the hint stays outside the label so that the control's name is the label alone. */
export function Field(props: { label: string; hint?: string; children: ComponentChildren }) {
  return (
    <div class="field">
      {/* biome-ignore lint/a11y/noLabelWithoutControl: the control is the children, inside the label */}
      <label>
        <span class="field-label">{props.label}</span>
        {props.children}
      </label>
      {props.hint !== undefined && <span class="hint">{props.hint}</span>}
    </div>
  );
}

export function value(e: Event): string {
  return (e.target as HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement).value;
}

export function checked(e: Event): boolean {
  return (e.target as HTMLInputElement).checked;
}

/** Saves a Blob as a file (an object URL on an anchor; revoked right after). */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
