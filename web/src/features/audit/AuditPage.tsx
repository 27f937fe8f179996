import { type FormEvent, useState } from "react";
import { useApp } from "../../app/context";
import { formatDateTime, localZone } from "../../platform/format";
import type { Page as ApiPage } from "../../platform/net/api";
import { useAsync } from "../../ui/hooks";
import { Empty, LoadError, Loading, Page, SelectField, TextField } from "../../ui/ui";
import type { UserView } from "../auth/types";
import { useStores } from "../staff/useStores";
import {
  ACTIONS,
  type Namer,
  actionLabel,
  localInputToRfc3339,
  summarizeDetails,
} from "./describe";

interface AuditEntry {
  id: string;
  at: string;
  actor_user_id: string | null;
  actor_label: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  source_ip: string | null;
  details: unknown;
}

interface Filters {
  action: string;
  actor_user_id: string;
  target_id: string;
  from: string;
  to: string;
}

const NO_FILTERS: Filters = { action: "", actor_user_id: "", target_id: "", from: "", to: "" };
const PAGE_SIZE = 50;

export function AuditPage() {
  const { api, me } = useApp();
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [applied, setApplied] = useState<Filters>(NO_FILTERS);
  // Cursors of the pages before the current one (the first page has none).
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const people = useAsync(() => api.get<ApiPage<UserView>>("/api/users", { limit: 200 }), [api]);
  const entries = useAsync(
    () =>
      api.get<ApiPage<AuditEntry>>("/api/audit", {
        limit: PAGE_SIZE,
        cursor,
        action: applied.action.trim(),
        actor_user_id: applied.actor_user_id,
        target_id: applied.target_id.trim(),
        from: localInputToRfc3339(applied.from),
        to: localInputToRfc3339(applied.to),
      }),
    [api, applied, cursor],
  );
  const stores = useStores();
  const names = new Map((people.data?.items ?? []).map((u) => [u.id, u.display_name]));
  const namer: Namer = (kind, id) => {
    if (kind === "user") return names.get(id);
    const s = stores.byId.get(id);
    return s ? `${s.name} (${s.code})` : undefined;
  };
  const target = (e: AuditEntry) => {
    if (!e.target_type || !e.target_id) return "—";
    const kind = e.target_type === "store" ? "store" : "user";
    return namer(kind, e.target_id) ?? `${e.target_type} ${e.target_id.slice(0, 8)}…`;
  };

  function apply(e: FormEvent) {
    e.preventDefault();
    setApplied(draft);
    setCursors([null]);
  }
  const set = (k: keyof Filters) => (e: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [k]: e.target.value }));

  const items = entries.data?.items ?? [];
  const pageNo = cursors.length;

  return (
    <Page title="Audit log" lead="Every sign-in, account change and store change, newest first.">
      <form className="filters" onSubmit={apply} aria-label="Filter the audit log">
        <TextField
          label="Action"
          name="action"
          list="audit-actions"
          value={draft.action}
          onChange={set("action")}
          hint="An action, or a group ending in a dot: auth. user. store."
        />
        <datalist id="audit-actions">
          <option value="auth.">All sign-in events</option>
          <option value="user.">All user changes</option>
          <option value="store.">All store changes</option>
          {Object.entries(ACTIONS).map(([code, label]) => (
            <option key={code} value={code}>
              {label}
            </option>
          ))}
        </datalist>
        <SelectField
          label="Done by"
          name="actor_user_id"
          value={draft.actor_user_id}
          onChange={set("actor_user_id")}
        >
          <option value="">Anyone</option>
          {(people.data?.items ?? []).map((u) => (
            <option key={u.id} value={u.id}>
              {u.display_name} ({u.email})
            </option>
          ))}
        </SelectField>
        <TextField
          label="Target id"
          name="target_id"
          value={draft.target_id}
          onChange={set("target_id")}
        />
        <TextField
          label={`From (${localZone()})`}
          name="from"
          type="datetime-local"
          value={draft.from}
          onChange={set("from")}
        />
        <TextField
          label={`Until (${localZone()})`}
          name="to"
          type="datetime-local"
          value={draft.to}
          onChange={set("to")}
        />
        <div className="filter-actions">
          <button type="submit" className="btn btn-primary">
            Apply filters
          </button>
          <button
            type="button"
            className="btn btn-quiet"
            onClick={() => {
              setDraft(NO_FILTERS);
              setApplied(NO_FILTERS);
              setCursors([null]);
            }}
          >
            Clear
          </button>
        </div>
      </form>
      {entries.status === "error" ? (
        <LoadError error={entries.error} retry={entries.reload} />
      ) : entries.status === "loading" ? (
        <Loading label="Loading the audit log…" />
      ) : items.length === 0 ? (
        <Empty title="No entries match these filters" />
      ) : (
        <div className="table-wrap">
          <table className="table table-audit">
            <caption className="sr-only">Audit log, page {pageNo}</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">Target</th>
                <th scope="col">Details</th>
                <th scope="col">From address</th>
              </tr>
            </thead>
            <tbody>
              {items.map((e) => (
                <tr key={e.id}>
                  <td className="nowrap">{formatDateTime(e.at, me.organisation.locale)}</td>
                  <td>{e.actor_label ?? "—"}</td>
                  <td>
                    {actionLabel(e.action)}
                    <br />
                    <span className="code muted">{e.action}</span>
                  </td>
                  <td>{target(e)}</td>
                  <td className="details-cell">{summarizeDetails(e.details, namer)}</td>
                  <td className="nowrap">{e.source_ip ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav className="pager" aria-label="Audit log pages">
        <button
          type="button"
          className="btn"
          disabled={cursors.length <= 1}
          onClick={() => setCursors((c) => c.slice(0, -1))}
        >
          ← Newer
        </button>
        <span>Page {pageNo}</span>
        <button
          type="button"
          className="btn"
          disabled={!entries.data?.next_cursor || entries.status !== "ready"}
          onClick={() => setCursors((c) => [...c, entries.data?.next_cursor ?? null])}
        >
          Older →
        </button>
      </nav>
    </Page>
  );
}
