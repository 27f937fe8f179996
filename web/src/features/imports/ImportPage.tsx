/**
 * `/imports`: bring products, stock counts or past sales in from a CSV file (docs/imports.md).
 * Choose the kind and the file, check it (a dry run: every bad row with its line, column and
 * reason, nothing written), then import it (all or nothing: the server checks again and
 * writes every row or none).
 */
import { useMemo, useRef, useState } from "react";
import { useApp } from "../../app/context";
import { useLocation } from "../../app/router";
import { ErrorAlert, Notice, Page, SelectField } from "../../ui/ui";
import { useStockStores } from "../stock/useStockStores";
import {
  type ImportKind,
  KINDS,
  type Outcome,
  checkFile,
  rejectedOutcome,
  summaryText,
} from "./imports";

type Result = { outcome: Outcome; rejected: boolean };

export function ImportPage() {
  const { api, access } = useApp();
  const { search } = useLocation();
  const stores = useStockStores();
  const allowed = (Object.keys(KINDS) as ImportKind[]).filter(
    (k) => access.isAdmin || !KINDS[k].adminOnly,
  );
  const initial = search.get("kind") as ImportKind | null;
  const [kind, setKind] = useState<ImportKind>(
    initial && allowed.includes(initial) ? initial : allowed[0]!,
  );
  const [storeId, setStoreId] = useState(search.get("store") ?? "");
  const [file, setFile] = useState<File | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [busy, setBusy] = useState<"check" | "apply" | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<Result | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const resultRef = useRef<HTMLDivElement>(null);
  const info = KINDS[kind];
  const exampleHref = useMemo(
    () => `data:text/csv;charset=utf-8,${encodeURIComponent(info.example)}`,
    [info.example],
  );

  const reset = () => {
    setResult(null);
    setError(null);
  };

  const send = async (dryRun: boolean) => {
    if (!file) {
      setFileError("Choose a CSV file first.");
      fileInput.current?.focus();
      return;
    }
    const problem = checkFile(file);
    if (problem) {
      setFileError(problem);
      fileInput.current?.focus();
      return;
    }
    setBusy(dryRun ? "check" : "apply");
    reset();
    try {
      const outcome = await api.upload<Outcome>(
        "/api/imports",
        { kind, dry_run: dryRun, store_id: kind === "stock" && storeId ? storeId : null },
        file,
        "text/csv",
      );
      setResult({ outcome, rejected: false });
    } catch (err) {
      const outcome = rejectedOutcome(err);
      if (outcome) setResult({ outcome, rejected: true });
      else setError(err);
    } finally {
      setBusy(null);
      requestAnimationFrame(() => resultRef.current?.focus());
    }
  };

  const checked = result && !result.rejected && result.outcome.dry_run;

  return (
    <Page
      title="Import from CSV"
      lead="Check a file first: nothing is written until you import it, and a file with any bad row is not imported at all."
    >
      <form
        className="card"
        aria-label="Import a file"
        onSubmit={(e) => {
          e.preventDefault();
          void send(true);
        }}
      >
        <SelectField
          label="What the file holds"
          name="kind"
          value={kind}
          onChange={(e) => {
            setKind(e.target.value as ImportKind);
            reset();
          }}
        >
          {allowed.map((k) => (
            <option key={k} value={k}>
              {KINDS[k].label}
            </option>
          ))}
        </SelectField>
        <div className="hint import-columns">
          <p>
            <strong>Required columns:</strong> {info.required}.
          </p>
          <p>
            <strong>Optional:</strong> {info.optional}.
          </p>
          <p>
            UTF-8, comma-separated, a header row; amounts in major units with a dot (3.50). At most
            16 MiB and 100,000 rows per file.{" "}
            <a href={exampleHref} download={`${kind}-example.csv`}>
              Download an example file
            </a>
            . Customers cannot be imported yet (the server does not offer it).
          </p>
        </div>
        {kind === "stock" ? (
          <SelectField
            label="Store counted"
            name="store_id"
            value={storeId}
            onChange={(e) => {
              setStoreId(e.target.value);
              reset();
            }}
          >
            <option value="">From the file's store column</option>
            {(stores.data ?? []).map((s) => (
              <option key={s.id} value={s.id}>
                {s.name} ({s.code})
              </option>
            ))}
          </SelectField>
        ) : null}
        <div className={`field${fileError ? " has-error" : ""}`}>
          <label htmlFor="import-file">CSV file</label>
          <input
            ref={fileInput}
            id="import-file"
            name="file"
            type="file"
            accept=".csv,text/csv"
            aria-invalid={fileError ? true : undefined}
            aria-describedby={fileError ? "import-file-error" : undefined}
            onChange={(e) => {
              const f = e.target.files?.[0] ?? null;
              setFile(f);
              setFileError(f ? checkFile(f) : null);
              reset();
            }}
          />
          {fileError ? (
            <p className="field-error" id="import-file-error">
              {fileError}
            </p>
          ) : null}
        </div>
        <div className="form-actions">
          <button type="submit" className="btn" disabled={busy !== null}>
            {busy === "check" ? "Checking…" : "Check the file"}
          </button>
          <button
            type="button"
            className="btn btn-primary"
            disabled={busy !== null || !checked}
            title={checked ? undefined : "Check the file first"}
            onClick={() => void send(false)}
          >
            {busy === "apply" ? "Importing…" : "Import"}
          </button>
        </div>
      </form>
      <div ref={resultRef} tabIndex={-1} aria-live="polite" className="import-result">
        {error ? <ErrorAlert error={error} /> : null}
        {result ? <ResultView result={result} /> : null}
      </div>
    </Page>
  );
}

function ResultView({ result }: { result: Result }) {
  const { outcome, rejected } = result;
  if (!rejected) {
    return (
      <Notice tone="success">
        {outcome.applied ? (
          <p>Imported: {summaryText(outcome)}.</p>
        ) : (
          <p>
            The file is good: {summaryText(outcome)}. Nothing is written yet: press Import to apply
            it.
          </p>
        )}
      </Notice>
    );
  }
  const n = outcome.errors.length;
  return (
    <section className="card" aria-labelledby="import-errors">
      <div className="alert alert-error" role="alert">
        <p>
          {n === 1 ? "1 problem" : `${n.toLocaleString("en-GB")} problems`} in the file
          {outcome.dry_run ? "" : "; nothing was imported"}. Correct these rows and check the file
          again.
        </p>
      </div>
      <h2 id="import-errors">Rows to correct</h2>
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Rows to correct">
        <table className="table" data-testid="import-errors">
          <thead>
            <tr>
              <th scope="col" className="num">
                Line
              </th>
              <th scope="col">Column</th>
              <th scope="col">Problem</th>
            </tr>
          </thead>
          <tbody>
            {outcome.errors.map((e, i) => (
              <tr key={`${e.row}-${e.column ?? ""}-${i}`}>
                <td className="num">{e.row}</td>
                <td className="code">{e.column ?? "—"}</td>
                <td>{sentence(e.message)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="hint">Line numbers are as a spreadsheet shows them: the header is line 1.</p>
    </section>
  );
}

function sentence(s: string): string {
  const t = s.trim();
  return t ? t.charAt(0).toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? "" : ".") : t;
}

export default ImportPage;
