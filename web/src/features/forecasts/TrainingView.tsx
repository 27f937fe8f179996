/**
 * The Training tab: train the store's models now (only products with new sales, or all), follow
 * the job while it runs (its record is read again every 2 seconds while it is queued or
 * running), and the store's jobs before it.
 */
import { type FormEvent, useEffect, useMemo, useRef, useState } from "react";
import { useApp } from "../../app/context";
import { Link } from "../../app/router";
import { formatDateTime } from "../../platform/format";
import type { Page as ApiPage } from "../../platform/net/api";
import { ApiError, describeError } from "../../platform/net/errors";
import { useAsync } from "../../ui/hooks";
import { Empty, ErrorAlert, Loading, Notice } from "../../ui/ui";
import type { UserView } from "../auth/types";
import type { Product } from "../pos/types";
import type { Store } from "../stores/types";
import { forecastsApi } from "./api";
import { JOB_STATUS, forecastError, jobActive, jobOutcome, jobProgressText } from "./describe";
import { forecastsHref } from "./ForecastsPage";
import type { Job } from "./types";

/** How often a queued or running job is read again. */
export const POLL_MS = 2000;

export function TrainingView({ store }: { store: Store }) {
  const { api, me } = useApp();
  const locale = me.organisation.locale;
  const calls = useMemo(() => forecastsApi(api, store.id), [api, store.id]);
  const [full, setFull] = useState(false);
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<unknown>(null);
  /** The job followed live: the one just started, or the newest when it is still going. */
  const [current, setCurrent] = useState<Job | null>(null);
  const [pollError, setPollError] = useState<unknown>(null);
  const [finished, setFinished] = useState<Job | null>(null);
  const [more, setMore] = useState<{ items: Job[]; cursor: string | null; error: unknown }>({
    items: [],
    cursor: null,
    error: null,
  });

  const history = useAsync(async () => {
    const p = await calls.jobs(null);
    setMore({ items: [], cursor: p.next_cursor, error: null });
    return p;
  }, [calls]);
  // Names of the people who asked for a training (the staff list; without it, no names).
  const people = useAsync(
    () => api.get<ApiPage<UserView>>("/api/users", { limit: 200 }).catch(() => null),
    [api],
  );

  // Opening the tab while a job is going follows it.
  const newest = history.data?.items[0];
  useEffect(() => {
    if (newest && jobActive(newest.status))
      // The followed job's own record is fresher than the list's copy of it.
      setCurrent((c) => (c && (jobActive(c.status) || c.id === newest.id) ? c : newest));
  }, [newest]);

  // Reads the followed job every POLL_MS while it is queued or running.
  const reload = history.reload;
  const following = current && jobActive(current.status) ? current.id : null;
  const pollSeq = useRef(0);
  useEffect(() => {
    if (!following) return;
    const mine = ++pollSeq.current;
    let timer: ReturnType<typeof setTimeout>;
    const tick = () => {
      timer = setTimeout(async () => {
        try {
          const job = await calls.job(following);
          if (mine !== pollSeq.current) return;
          setPollError(null);
          setCurrent(job);
          if (!jobActive(job.status)) {
            setFinished(job);
            reload();
          } else tick();
        } catch (e) {
          if (mine !== pollSeq.current) return;
          setPollError(e);
          // A job that is gone cannot come back; anything else (network) may pass.
          if (!(e instanceof ApiError && e.status === 404)) tick();
        }
      }, POLL_MS);
    };
    tick();
    return () => {
      pollSeq.current++;
      clearTimeout(timer);
    };
  }, [calls, following, reload]);

  const start = async (e: FormEvent) => {
    e.preventDefault();
    setStarting(true);
    setStartError(null);
    setFinished(null);
    try {
      const job = await calls.train(full);
      setCurrent(job);
      setPollError(null);
      reload();
    } catch (err) {
      setStartError(err);
      // Someone else started one: follow theirs.
      if (err instanceof ApiError && err.code === "job_running") reload();
    } finally {
      setStarting(false);
    }
  };

  const names = new Map((people.data?.items ?? []).map((u) => [u.id, u.display_name]));
  const requester = (j: Job) =>
    j.trigger === "schedule"
      ? "Schedule"
      : j.requested_by === me.user.id
        ? "You"
        : ((j.requested_by && names.get(j.requested_by)) ?? "Someone else");
  const running = current !== null && jobActive(current.status);
  const jobs = mergeJobs([...(history.data?.items ?? []), ...more.items], current);

  const loadMore = async () => {
    try {
      const p = await calls.jobs(more.cursor);
      setMore((m) => ({ items: [...m.items, ...p.items], cursor: p.next_cursor, error: null }));
    } catch (error) {
      setMore((m) => ({ ...m, error }));
    }
  };

  return (
    <section aria-labelledby="training-heading">
      <h2 id="training-heading" className="sr-only">
        Training
      </h2>
      <div className="training-grid">
        <form className="card" onSubmit={(e) => void start(e)} aria-labelledby="train-title">
          <h2 id="train-title">Train now</h2>
          <p className="hint">
            The models also retrain on their own schedule. Training reads {store.name}'s sales
            ledger; the models in use keep serving forecasts until the new ones are ready.
          </p>
          <fieldset>
            <legend>What to train</legend>
            <label className="checkbox">
              <input type="radio" name="full" checked={!full} onChange={() => setFull(false)} />
              Products with new sales since their last training (quicker)
            </label>
            <label className="checkbox">
              <input type="radio" name="full" checked={full} onChange={() => setFull(true)} />
              Every product (full retraining)
            </label>
          </fieldset>
          {startError ? (
            <ErrorAlert error={startError}>{forecastError(startError, "job")}</ErrorAlert>
          ) : null}
          <button type="submit" className="btn btn-primary" disabled={starting || running}>
            {starting ? "Starting…" : running ? "Training…" : "Train now"}
          </button>
        </form>
        {current ? (
          <JobPanel
            job={current}
            pollError={pollError}
            finished={finished?.id === current.id ? finished : null}
            storeId={store.id}
          />
        ) : null}
      </div>
      <h2 id="jobs-title">Training jobs</h2>
      {history.status === "error" ? (
        <div className="state">
          <ErrorAlert error={history.error}>{forecastError(history.error, "job")}</ErrorAlert>
          <button type="button" className="btn" onClick={history.reload}>
            Try again
          </button>
        </div>
      ) : !history.data ? (
        <Loading label="Loading the training jobs…" />
      ) : jobs.length === 0 ? (
        <Empty title="No training yet">
          <p>Train now to make the store's first forecasts.</p>
        </Empty>
      ) : (
        <>
          <div className="table-wrap">
            <table className="table table-middle" aria-labelledby="jobs-title">
              <thead>
                <tr>
                  <th scope="col">Requested</th>
                  <th scope="col">By</th>
                  <th scope="col">What</th>
                  <th scope="col">Status</th>
                  <th scope="col">Progress</th>
                  <th scope="col" className="num">
                    Failed
                  </th>
                  <th scope="col">Finished</th>
                </tr>
              </thead>
              <tbody>
                {jobs.map((j) => (
                  <tr key={j.id}>
                    <td className="nowrap">{formatDateTime(j.created_at, locale)}</td>
                    <td>{requester(j)}</td>
                    <td>{j.full ? "Every product" : "New sales only"}</td>
                    <td>
                      <JobStatusPill job={j} />
                    </td>
                    <td>{jobProgressText(j, locale)}</td>
                    <td className="num">{j.failed_series}</td>
                    <td className="nowrap">
                      {j.finished_at ? formatDateTime(j.finished_at, locale) : "—"}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <ErrorAlert error={more.error} />
          {more.cursor ? (
            <div className="pager">
              <button type="button" className="btn" onClick={() => void loadMore()}>
                Show older jobs
              </button>
            </div>
          ) : null}
        </>
      )}
    </section>
  );
}

/** The list with the followed job's latest state in place of its older copy. */
function mergeJobs(list: Job[], current: Job | null): Job[] {
  const seen = new Set<string>();
  const out: Job[] = [];
  if (current && !list.some((j) => j.id === current.id)) out.push(current);
  for (const j of list) {
    if (seen.has(j.id)) continue;
    seen.add(j.id);
    out.push(current && j.id === current.id ? current : j);
  }
  return out;
}

function JobStatusPill({ job }: { job: Job }) {
  const tone =
    job.status === "failed"
      ? "pill-warn"
      : job.status === "succeeded"
        ? job.failed_series
          ? "pill-warn"
          : "pill-ok"
        : "pill-off";
  return <span className={`pill ${tone}`}>{JOB_STATUS[job.status]}</span>;
}

function JobPanel({
  job,
  pollError,
  finished,
  storeId,
}: {
  job: Job;
  pollError: unknown;
  finished: Job | null;
  storeId: string;
}) {
  const { me } = useApp();
  const locale = me.organisation.locale;
  const active = jobActive(job.status);
  return (
    <section className="card job-panel" aria-labelledby="job-title" data-testid="job-panel">
      <h2 id="job-title">
        {active ? "Training in progress" : "Last training"} <JobStatusPill job={job} />
      </h2>
      <div role="status" aria-live="polite">
        <p data-testid="job-progress">{jobProgressText(job, locale)}</p>
        {job.total_series ? (
          <progress
            className="job-progress"
            max={job.total_series}
            value={job.done_series}
            aria-label="Products trained"
          />
        ) : active ? (
          <progress className="job-progress" aria-label="Products trained" />
        ) : null}
        {!active ? (
          finished && finished.status === "succeeded" ? (
            <Notice tone="success">
              {jobOutcome(job, locale)}{" "}
              <Link to={forecastsHref("models", { store: storeId })}>See the models</Link>
            </Notice>
          ) : (
            <p>
              {jobOutcome(job, locale)}
              {job.status === "failed" && job.error ? ` Reason: ${job.error}` : ""}
            </p>
          )
        ) : null}
      </div>
      {pollError ? (
        <ErrorAlert>
          {pollError instanceof ApiError && pollError.status === 404
            ? forecastError(pollError, "job")
            : `${describeError(pollError)} The progress shown may be behind; still trying.`}
        </ErrorAlert>
      ) : null}
      <p className="hint">
        {job.full ? "Every product" : "Products with new sales"} · requested{" "}
        {formatDateTime(job.created_at, locale)}
        {job.started_at ? ` · started ${formatDateTime(job.started_at, locale)}` : ""}
      </p>
      {job.failures.length ? <Failures job={job} /> : null}
    </section>
  );
}

/** The products that could not be trained, by name (looked up once per list). */
function Failures({ job }: { job: Job }) {
  const { api } = useApp();
  const ids = job.failures
    .map((f) => f.product_id)
    .filter((id): id is string => !!id)
    .join(",");
  const names = useAsync(async () => {
    const unique = [...new Set(ids.split(",").filter(Boolean))].slice(0, 50);
    const found = await Promise.allSettled(
      unique.map((id) => api.get<Product>(`/api/products/${encodeURIComponent(id)}`)),
    );
    const m = new Map<string, string>();
    found.forEach((r, i) => r.status === "fulfilled" && m.set(unique[i]!, r.value.name));
    return m;
  }, [api, ids]);
  return (
    <details open={job.failures.length <= 5}>
      <summary>
        {job.failures.length} product{job.failures.length === 1 ? "" : "s"} could not be trained
      </summary>
      <ul className="plain failures" aria-label="Products that could not be trained">
        {job.failures.map((f, i) => (
          <li key={`${f.product_id ?? "default"}-${i}`}>
            <strong>
              {f.product_id === null
                ? "The store's default model"
                : (names.data?.get(f.product_id) ?? f.product_id)}
            </strong>
            : {f.error}
          </li>
        ))}
      </ul>
    </details>
  );
}
