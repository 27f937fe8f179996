import {
  Suspense,
  lazy,
  useCallback,
  useEffect,
  useMemo,
  useState,
  useSyncExternalStore,
} from "react";
import { AccountPage } from "../features/account/AccountPage";
import { MyStorePage } from "../features/account/MyStorePage";
import { AuditPage } from "../features/audit/AuditPage";
import { ForcedPasswordChange } from "../features/auth/ForcedPasswordChange";
import type { AuthSession } from "../features/auth/session";
import { SignIn } from "../features/auth/SignIn";
import type { Me } from "../features/auth/types";
import { PosPage } from "../features/pos/PosPage";
import { ProductEditPage, ProductNewPage } from "../features/products/ProductFormPage";
import { ProductsPage } from "../features/products/ProductsPage";
import { ImportPage } from "../features/imports/ImportPage";
import { StockItemPage } from "../features/stock/StockItemPage";
import { StockPage } from "../features/stock/StockPage";
import { GoodsPage } from "../features/stock/GoodsPage";
import { CustomerPage, CustomersPage } from "../features/customers/CustomersPage";
import { StaffDetailPage } from "../features/staff/StaffDetailPage";
import { StaffListPage } from "../features/staff/StaffListPage";
import { StaffNewPage } from "../features/staff/StaffNewPage";
import { StoreEditPage, StoreNewPage } from "../features/stores/StoreFormPage";
import { StoresPage } from "../features/stores/StoresPage";
import type { Api } from "../platform/net/api";
import { LoadError, Loading, Page } from "../ui/ui";
import { accessOf, homeFor, mayOpen } from "./access";
import { AppContext, type AppContextValue } from "./context";
import { Link, match, navigate, useLocation } from "./router";
import { Shell } from "./Shell";

// The dashboard and its charting library are a chunk of their own, loaded when first opened.
const DashboardPage = lazy(() => import("../features/dashboard/DashboardPage"));
// So are the forecast screens (they share the charting library's chunk with the dashboard).
const ForecastsPage = lazy(() => import("../features/forecasts/ForecastsPage"));

export function App({ session, api }: { session: AuthSession; api: Api }) {
  const auth = useSyncExternalStore(session.subscribe, session.getState);
  const [me, setMe] = useState<Me | null>(null);
  const [meError, setMeError] = useState<unknown>(null);
  const signedIn = auth.status === "signed_in";
  const mustChange = auth.status === "signed_in" && auth.mustChangePassword;

  const loadMe = useCallback(async () => {
    setMeError(null);
    try {
      setMe(await api.get<Me>("/api/auth/me"));
    } catch (err) {
      setMeError(err);
    }
  }, [api]);

  useEffect(() => {
    if (signedIn) void loadMe();
    else setMe(null);
  }, [signedIn, mustChange, loadMe]);

  if (auth.status === "loading") return <FullScreenLoading />;
  if (auth.status === "signed_out") return <SignIn session={session} notice={auth.notice} />;
  if (!me) {
    return meError ? (
      <main className="auth-screen">
        <div className="auth-card">
          <LoadError error={meError} retry={() => void loadMe()} />
        </div>
      </main>
    ) : (
      <FullScreenLoading />
    );
  }
  if (mustChange || me.user.must_change_password) {
    return <ForcedPasswordChange api={api} session={session} me={me} />;
  }
  return <SignedIn session={session} api={api} me={me} reloadMe={loadMe} />;
}

function FullScreenLoading() {
  return (
    <main className="auth-screen">
      <Loading label="Starting ChainSync…" />
    </main>
  );
}

function SignedIn({
  session,
  api,
  me,
  reloadMe,
}: {
  session: AuthSession;
  api: Api;
  me: Me;
  reloadMe: () => Promise<void>;
}) {
  const access = useMemo(() => accessOf(me), [me]);
  const ctx: AppContextValue = useMemo(
    () => ({ session, api, me, access, reloadMe }),
    [session, api, me, access, reloadMe],
  );
  const { path } = useLocation();
  const home = homeFor(access);

  useEffect(() => {
    if (path === "/" || path === "/sign-in") navigate(home, { replace: true });
  }, [path, home]);

  return (
    <AppContext.Provider value={ctx}>
      <Shell>{mayOpen(access, path) ? <Routes path={path} /> : <NotAllowed home={home} />}</Shell>
    </AppContext.Provider>
  );
}

function Routes({ path }: { path: string }) {
  let m: Record<string, string> | null;
  if (path === "/" || path === "/sign-in") return <Loading />;
  if (path === "/my-store") return <MyStorePage />;
  if (path === "/account") return <AccountPage />;
  if (path === "/stores") return <StoresPage />;
  if (path === "/stores/new") return <StoreNewPage />;
  if ((m = match("/stores/:id", path))) return <StoreEditPage key={m.id} id={m.id!} />;
  if (path === "/staff") return <StaffListPage />;
  if (path === "/staff/new") return <StaffNewPage />;
  if ((m = match("/staff/:id", path))) return <StaffDetailPage key={m.id} id={m.id!} />;
  if (path === "/audit") return <AuditPage />;
  if (path === "/pos") return <PosPage />;
  if (path === "/dashboard")
    return (
      <Suspense fallback={<Loading label="Loading the dashboard…" />}>
        <DashboardPage />
      </Suspense>
    );
  if (path === "/forecasts" || path === "/forecasts/models" || path === "/forecasts/training")
    return (
      <Suspense fallback={<Loading label="Loading the forecasts…" />}>
        <ForecastsPage />
      </Suspense>
    );
  if (path === "/products") return <ProductsPage />;
  if (path === "/imports") return <ImportPage />;
  if (path === "/stock") return <StockPage />;
  if (path === "/stock/goods") return <GoodsPage />;
  if (path === "/customers") return <CustomersPage />;
  if ((m = match("/customers/:id", path))) return <CustomerPage key={m.id} id={m.id!} />;
  if ((m = match("/stock/:store/:product", path)))
    return <StockItemPage key={path} storeId={m.store!} productId={m.product!} />;
  if (path === "/products/new") return <ProductNewPage />;
  if ((m = match("/products/:id", path))) return <ProductEditPage key={m.id} id={m.id!} />;
  return (
    <Page title="Page not found">
      <p>There is no page at this address.</p>
      <Link to="/">Go to your start page</Link>
    </Page>
  );
}

function NotAllowed({ home }: { home: string }) {
  return (
    <Page title="Not available for your role">
      <p>Your role does not include this part of ChainSync. If you need it, ask an admin.</p>
      <p>
        <Link to={home} className="btn btn-primary">
          Go to your start page
        </Link>
      </p>
    </Page>
  );
}
