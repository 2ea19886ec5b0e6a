// The images' HEALTHCHECK: GET http://127.0.0.1:<port><path>, exit 0 on a 2xx answer, else 1.
// Usage: node healthcheck.mjs <PORT_VARIABLE> <default port> <path>. The port is read from the
// variable the service itself reads (e.g. GURU_API_PORT), so a changed port is still checked.
// Plain JavaScript so that the runtime image needs nothing but node.
const [variable, fallback, path] = process.argv.slice(2);
const port = (variable && process.env[variable]) || fallback;
const url = `http://127.0.0.1:${port}${path ?? "/healthz"}`;
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(2500) });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
