import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A certificate and its private key, as file paths (PEM). */
export interface KeyPair {
  cert: string;
  key: string;
}

/** Every certificate and key the control plane needs, generated fresh for each run. */
export interface Pki {
  dir: string;
  ca: KeyPair;
  apiserver: KeyPair;
  /** the harness itself: O=system:masters */
  admin: KeyPair;
  controllerManager: KeyPair;
  scheduler: KeyPair;
  kwok: KeyPair;
  /** the API server's client certificate towards aggregated API servers (front proxy) */
  frontProxyClient: KeyPair;
  /** service-account token signing key (private) and its public half for verification */
  serviceAccountKey: string;
  serviceAccountPub: string;
}

// P-256 keys are generated in milliseconds, RSA ones in much longer.
const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
const DAYS = ["-days", "7"];

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run("openssl", args, { cwd });
  } catch (err) {
    const detail = err as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0]} failed: ${detail.stderr || detail.message}`);
  }
}

/**
 * Generates a CA, the API server's serving certificate (loopback and in-cluster names), client
 * certificates for the harness and each component (their RBAC identities), and the
 * service-account signing key, with the openssl CLI (Node's crypto cannot issue certificates).
 */
export async function generatePki(dir: string): Promise<Pki> {
  await mkdir(dir, { recursive: true });
  // No extensions from the system openssl.cnf: only what -addext says.
  const config = join(dir, "openssl.cnf");
  await writeFile(config, "[req]\ndistinguished_name = dn\n[dn]\n");
  const pair = (name: string): KeyPair => ({ cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) });
  const ca = pair("ca");
  await openssl(
    [
      "req",
      "-config",
      config,
      "-x509",
      "-new",
      ...EC_KEY,
      ...DAYS,
      "-keyout",
      ca.key,
      "-out",
      ca.cert,
      "-subj",
      "/CN=time-series-guru-test-ca",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
    ],
    dir,
  );
  const issue = async (name: string, subject: string, usage: string[]): Promise<KeyPair> => {
    const leaf = pair(name);
    const extensions = [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature",
      ...usage,
    ].flatMap((ext) => ["-addext", ext]);
    await openssl(
      [
        "req",
        "-config",
        config,
        "-x509",
        "-new",
        ...EC_KEY,
        ...DAYS,
        "-CA",
        ca.cert,
        "-CAkey",
        ca.key,
        "-keyout",
        leaf.key,
        "-out",
        leaf.cert,
        "-subj",
        subject,
        ...extensions,
      ],
      dir,
    );
    return leaf;
  };
  const client = ["extendedKeyUsage=clientAuth"];
  const [apiserver, admin, controllerManager, scheduler, kwok, frontProxyClient] = await Promise.all([
    issue("apiserver", "/CN=kube-apiserver", [
      "extendedKeyUsage=serverAuth",
      "subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.96.0.1,DNS:kubernetes,DNS:kubernetes.default," +
        "DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local",
    ]),
    issue("admin", "/O=system:masters/CN=time-series-guru-test-admin", client),
    issue("kube-controller-manager", "/CN=system:kube-controller-manager", client),
    issue("kube-scheduler", "/CN=system:kube-scheduler", client),
    // kwok plays every kubelet (node status, leases, pod status, pod deletion): it is not under test.
    issue("kwok", "/O=system:masters/CN=kwok", client),
    issue("front-proxy-client", "/CN=front-proxy-client", client),
  ]);
  const serviceAccountKey = join(dir, "service-account.key");
  const serviceAccountPub = join(dir, "service-account.pub");
  await openssl(
    ["genpkey", "-algorithm", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", serviceAccountKey],
    dir,
  );
  await openssl(["pkey", "-in", serviceAccountKey, "-pubout", "-out", serviceAccountPub], dir);
  return {
    dir,
    ca,
    apiserver,
    admin,
    controllerManager,
    scheduler,
    kwok,
    frontProxyClient,
    serviceAccountKey,
    serviceAccountPub,
  };
}
