/** Tokens of the account: list, create (the secret shown once, with a copy button), revoke. */
import { useCallback, useEffect, useState } from "preact/hooks";
import { enc, listAll, type Problem, type Token } from "../api.js";
import { useSession } from "../session.js";
import { Confirm, CopyButton, Field, ProblemBox, problemFrom, StatusBadge, value } from "../ui.js";

const EXPIRIES: [string, string][] = [
  ["", "never"],
  ["86400", "in 1 day"],
  ["2592000", "in 30 days"],
  ["31536000", "in 1 year"],
];

export function TokensPage() {
  const { api, whoami } = useSession();
  const base = `/v1/accounts/${enc(whoami.accountId)}/tokens`;
  const [tokens, setTokens] = useState<Token[]>();
  const [problem, setProblem] = useState<Problem>();
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState("");
  const [expires, setExpires] = useState("");
  const [secret, setSecret] = useState<{ name: string; secret: string }>();
  const [revoking, setRevoking] = useState<Token>();

  const load = useCallback(async () => {
    try {
      setTokens(await listAll<Token>(api, base));
    } catch (err) {
      setProblem(problemFrom(err));
    }
  }, [api, base]);
  useEffect(() => {
    load();
  }, [load]);

  return (
    <section>
      <h1>Tokens</h1>
      <p>
        Account <code>{whoami.accountId}</code>
      </p>
      <ProblemBox problem={problem} />
      {secret !== undefined && (
        <div class="card secret" role="status" data-testid="new-secret">
          <p>
            The secret of <strong>{secret.name}</strong>, shown only now; keep it somewhere safe:
          </p>
          <p>
            <code class="rest">{secret.secret}</code> <CopyButton text={secret.secret} />
          </p>
          <button type="button" onClick={() => setSecret(undefined)}>
            I have kept it
          </button>
        </div>
      )}
      {tokens !== undefined && (
        <table class="list" aria-label="Tokens">
          <thead>
            <tr>
              <th>name</th>
              <th>id</th>
              <th>scopes</th>
              <th>status</th>
              <th>created</th>
              <th>expires</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => (
              <tr key={t.id} data-token={t.name}>
                <td>{t.name}</td>
                <td>
                  <code>{t.id}</code>
                </td>
                <td>{t.scopes.join(" ")}</td>
                <td>
                  <StatusBadge status={t.status} />
                </td>
                <td>{t.createdAt}</td>
                <td>{t.expiresAt ?? "never"}</td>
                <td>
                  {t.status === "active" && t.id !== whoami.tokenId && (
                    <button type="button" class="danger" onClick={() => setRevoking(t)}>
                      Revoke {t.name}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form
        class="card"
        aria-label="Create a token"
        onSubmit={async (e) => {
          e.preventDefault();
          setProblem(undefined);
          try {
            const body: Record<string, unknown> = {
              name,
              scopes: scopes
                .split(/[\s,]+/)
                .map((s) => s.trim())
                .filter((s) => s !== ""),
            };
            if (expires !== "") body.expiresInSeconds = Number(expires);
            const created = await api.request<{ token: Token; secret: string }>("POST", base, { json: body });
            setSecret({ name: created.body.token.name, secret: created.body.secret });
            setName("");
            setScopes("");
            await load();
          } catch (err) {
            setProblem(problemFrom(err));
          }
        }}
      >
        <h2>Create a token</h2>
        <div class="row">
          <Field label="Name">
            <input name="token-name" required value={name} onInput={(e) => setName(value(e))} />
          </Field>
          <Field label="Scopes" hint="account:admin, db:<name>:read, db:<name>:write (<name> may be *)">
            <input name="scopes" required value={scopes} onInput={(e) => setScopes(value(e))} />
          </Field>
          <Field label="Expires">
            <select name="expires" value={expires} onChange={(e) => setExpires(value(e))}>
              {EXPIRIES.map(([v, label]) => (
                <option key={v} value={v}>
                  {label}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <button type="submit" class="primary">
          Create token
        </button>
      </form>
      <Confirm
        open={revoking !== undefined}
        title={`Revoke the token ${revoking?.name ?? ""}?`}
        confirmLabel="Revoke"
        onCancel={() => setRevoking(undefined)}
        onConfirm={async () => {
          const t = revoking!;
          setRevoking(undefined);
          try {
            await api.request("DELETE", `${base}/${enc(t.id)}`);
            await load();
          } catch (err) {
            setProblem(problemFrom(err));
          }
        }}
      >
        <p>Clients using it get 401 AUTH_REVOKED from now on, on every API instance.</p>
      </Confirm>
    </section>
  );
}
