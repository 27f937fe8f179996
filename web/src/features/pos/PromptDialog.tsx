/**
 * One-field dialogs of the till: quantity of a line, a line's discount, the cart's discount.
 * The field takes focus; Enter applies, Escape cancels; a value that does not parse says why
 * next to the field.
 */
import { type FormEvent, useState } from "react";
import { Modal } from "../../ui/Modal";
import { TextField } from "../../ui/ui";

export function PromptDialog<T>({
  title,
  label,
  hint,
  initial,
  parse,
  invalid,
  onApply,
  onClose,
  allowEmpty,
}: {
  title: string;
  label: string;
  hint: string;
  initial: string;
  parse: (text: string) => T | null;
  invalid: string;
  onApply: (value: T | null) => void;
  onClose: () => void;
  /** An empty field applies `null` (e.g. removes a discount). */
  allowEmpty?: boolean;
}) {
  const [text, setText] = useState(initial);
  const [error, setError] = useState<string | undefined>();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (allowEmpty && !text.trim()) return onApply(null);
    const v = parse(text);
    if (v === null) return setError(invalid);
    onApply(v);
  };
  return (
    <Modal title={title} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <TextField
          label={label}
          name="value"
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setError(undefined);
          }}
          onFocus={(e) => e.currentTarget.select()}
          error={error}
          hint={hint}
          autoFocus
          data-autofocus
          autoComplete="off"
          inputMode="decimal"
        />
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel <kbd>Esc</kbd>
          </button>
          <button type="submit" className="btn btn-primary">
            Apply <kbd>Enter</kbd>
          </button>
        </div>
      </form>
    </Modal>
  );
}
