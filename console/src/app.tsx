/** The shell: sign-in, the navigation (only what the token's scopes allow), and the pages. */
import { useEffect, useMemo, useState } from "preact/hooks";
import { Api, type Problem, type Whoami } from "./api.js";
import { DatabasePage } from "./pages/database.js";
import { DatabasesPage } from "./pages/databases.js";
import { ExplorePage } from "./pages/explore.js";
import { SeriesPage } from "./pages/series.js";
import { TokensPage } from "./pages/tokens.js";
import { WritePage } from "./pages/write.js";
import { href, useRoute } from "./router.js";
import { Scopes } from "./scopes.js";
import { type Session, SessionContext, storedToken, storeToken } from "./session.js";
import { ProblemBox, problemFrom, value } from "./ui.js";

function SignIn({ onSignedIn, problem }: { onSignedIn: (token: string) => void; problem?: Problem }) {
  const [token, setToken] = useState("");
  return (
    <main class="signin">
      <h1>Time Series Guru</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (token.trim() !== "") onSignedIn(token.trim());
        }}
      >
        <label class="field">
          <span class="field-label">API token</span>
          <input
            type="password"
            name="token"
            autocomplete="off"
            spellcheck={false}
            placeholder="tsg_…"
            value={token}
            onInput={(e) => setToken(value(e))}
            autofocus
          />
          <span class="hint">
            Kept in this tab's session storage only. In local mode the admin token is in data/admin-token.
          </span>
        </label>
        <button type="submit" class="primary">
          Sign in
        </button>
      </form>
      <ProblemBox problem={problem} />
    </main>
  );
}

function Nav({ session, active }: { session: Session; active: string }) {
  const { scopes, whoami } = session;
  const link = (name: string, label: string) => (
    <a href={href([name])} aria-current={active === name ? "page" : undefined}>
      {label}
    </a>
  );
  return (
    <header class="top">
      <a class="brand" href={href(["databases"])}>
        Time Series Guru
      </a>
      <nav aria-label="Main">
        {link("databases", "Databases")}
        {scopes.readsAny && link("explore", "Explore")}
        {scopes.writesAny && link("write", "Write")}
        {scopes.accountAdmin && link("tokens", "Tokens")}
      </nav>
      <div class="who" data-testid="whoami">
        <span title="account">{whoami.accountId}</span>
        <span title="token id">{whoami.tokenId}</span>
        <span class="scopes">
          {whoami.scopes.map((s) => (
            <code key={s}>{s}</code>
          ))}
        </span>
        <button type="button" onClick={session.signOut}>
          Sign out
        </button>
      </div>
    </header>
  );
}

function Page({ session }: { session: Session }) {
  const route = useRoute();
  const [first = "databases", second, third, fourth] = route.path;
  let page = <DatabasesPage />;
  if (first === "databases" && second !== undefined && third === "series" && fourth !== undefined)
    page = <SeriesPage db={second} series={fourth} />;
  else if (first === "databases" && second !== undefined) page = <DatabasePage db={second} />;
  else if (first === "explore") page = <ExplorePage params={route.params} />;
  else if (first === "write") page = <WritePage params={route.params} />;
  else if (first === "tokens") page = <TokensPage />;
  return (
    <>
      <Nav session={session} active={first} />
      <main id="main">{page}</main>
    </>
  );
}

export function App() {
  const [token, setToken] = useState(storedToken);
  const [whoami, setWhoami] = useState<Whoami>();
  const [problem, setProblem] = useState<Problem>();
  const api = useMemo(() => (token === undefined ? undefined : new Api(token)), [token]);

  useEffect(() => {
    if (api === undefined) return;
    let live = true;
    api.get<Whoami>("/v1/whoami").then(
      (who) => {
        if (live) setWhoami(who);
      },
      (err: unknown) => {
        if (!live) return;
        storeToken(undefined);
        setToken(undefined);
        setProblem(problemFrom(err));
      },
    );
    return () => {
      live = false;
    };
  }, [api]);

  const session = useMemo<Session | undefined>(
    () =>
      api === undefined || whoami === undefined
        ? undefined
        : {
            api,
            whoami,
            scopes: new Scopes(whoami.scopes),
            signOut: () => {
              storeToken(undefined);
              setWhoami(undefined);
              setToken(undefined);
              setProblem(undefined);
            },
          },
    [api, whoami],
  );

  if (token === undefined)
    return (
      <SignIn
        problem={problem}
        onSignedIn={(t) => {
          storeToken(t);
          setProblem(undefined);
          setToken(t);
        }}
      />
    );
  if (session === undefined) return <p class="loading">Signing in…</p>;
  return (
    <SessionContext.Provider value={session}>
      <Page session={session} />
    </SessionContext.Provider>
  );
}
