import { useApp } from "../../app/context";
import type { Page as ApiPage } from "../../platform/net/api";
import { useAsync } from "../../ui/hooks";
import { Empty, LoadError, Loading, Page } from "../../ui/ui";
import { StoreDetails } from "../stores/StoreDetails";
import type { Store } from "../stores/types";

/** A cashier's start page: the store(s) they work in, from the API. */
export function MyStorePage() {
  const { api, me } = useApp();
  const stores = useAsync(() => api.get<ApiPage<Store>>("/api/stores", { limit: 200 }), [api]);
  const items = stores.data?.items ?? [];
  const roleIn = (id: string) => me.memberships.find((m) => m.store_id === id)?.role;

  return (
    <Page
      title={items.length > 1 ? "My stores" : "My store"}
      lead="Where you work, with the currency, time zone and tax rates that apply there."
    >
      {stores.status === "error" ? (
        <LoadError error={stores.error} retry={stores.reload} />
      ) : !stores.data ? (
        <Loading />
      ) : items.length === 0 ? (
        <Empty title="You are not assigned to a store yet">
          <p>Ask your manager to give you a role in your store.</p>
        </Empty>
      ) : (
        items.map((s) => (
          <article className="card" key={s.id} aria-labelledby={`store-${s.id}`}>
            <h2 id={`store-${s.id}`}>
              {s.name}{" "}
              <span className="badge">{roleIn(s.id) === "manager" ? "Manager" : "Cashier"}</span>
            </h2>
            <StoreDetails store={s} locale={me.organisation.locale} />
          </article>
        ))
      )}
    </Page>
  );
}
