import { setTimeout as sleep } from "node:timers/promises";
import {
  CoreV1Api,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Node,
} from "@kubernetes/client-node";

/** An EKS managed node group of fake EC2 instances, one node per zone. */
export interface NodeGroup {
  /** the `eks.amazonaws.com/nodegroup` label */
  name: string;
  instanceType: string;
  vcpus: number;
  memoryGiB: number;
  /** the EKS AMI's max pods for the instance type (ENI limits, no prefix delegation) */
  maxPods: number;
  zones: readonly string[];
}

export const REGION = "us-east-1";
export const ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"] as const;

/** Labels EKS and the EBS CSI driver put on a node, that workloads select on. */
export const NODE_LABELS = {
  nodeGroup: "eks.amazonaws.com/nodegroup",
  capacityType: "eks.amazonaws.com/capacityType",
  instanceType: "node.kubernetes.io/instance-type",
  zone: "topology.kubernetes.io/zone",
  region: "topology.kubernetes.io/region",
  ebsZone: "topology.ebs.csi.aws.com/zone",
} as const;

/** Two node groups, like a small production cluster: general stripes and large memory-bound ones. */
export const NODE_GROUPS: readonly NodeGroup[] = [
  { name: "kdb-standard", instanceType: "r5.2xlarge", vcpus: 8, memoryGiB: 64, maxPods: 58, zones: ZONES },
  { name: "kdb-large", instanceType: "r5.8xlarge", vcpus: 32, memoryGiB: 256, maxPods: 234, zones: ZONES },
];

/** The annotation that hands a node to kwok (see the kwok configuration in control-plane.ts). */
export const KWOK_NODE_ANNOTATION = { "kwok.x-k8s.io/node": "fake" };

/** EKS AMI's kube-reserved CPU: 6% of the first core, 1% of the second, 0.5% of the next two, 0.25% above. */
function reservedMillicores(vcpus: number): number {
  const bands: [number, number][] = [
    [1, 60],
    [1, 10],
    [2, 5],
    [Number.POSITIVE_INFINITY, 2.5],
  ];
  let left = vcpus;
  let reserved = 0;
  for (const [cores, perCore] of bands) {
    const used = Math.min(left, cores);
    reserved += used * perCore;
    left -= used;
    if (left <= 0) break;
  }
  return Math.round(reserved);
}

function nodeFor(group: NodeGroup, zone: string, index: number, ordinal: number): V1Node {
  const subnet = ZONES.indexOf(zone as (typeof ZONES)[number]) + 1;
  const ip = `10.0.${subnet * 16 + index}.${10 + ordinal}`;
  const name = `ip-${ip.replaceAll(".", "-")}.ec2.internal`;
  // EC2 reports a little less memory than the instance's nominal size.
  const capacityMi = Math.floor(group.memoryGiB * 1024 * 0.97);
  const reservedMi = 255 + 11 * group.maxPods + 100; // kube-reserved + eviction threshold
  const capacity = {
    cpu: String(group.vcpus),
    memory: `${capacityMi}Mi`,
    pods: String(group.maxPods),
    "ephemeral-storage": "20Gi",
  };
  const allocatable = {
    cpu: `${group.vcpus * 1000 - reservedMillicores(group.vcpus)}m`,
    memory: `${capacityMi - reservedMi}Mi`,
    pods: String(group.maxPods),
    "ephemeral-storage": "18Gi",
  };
  const instanceId = `i-0${Buffer.from(name).toString("hex").slice(-16)}`;
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      annotations: { ...KWOK_NODE_ANNOTATION, "alpha.kubernetes.io/provided-node-ip": ip },
      labels: {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        [NODE_LABELS.nodeGroup]: group.name,
        [NODE_LABELS.capacityType]: "ON_DEMAND",
        [NODE_LABELS.instanceType]: group.instanceType,
        [NODE_LABELS.region]: REGION,
        [NODE_LABELS.zone]: zone,
        [NODE_LABELS.ebsZone]: zone,
      },
    },
    spec: { providerID: `aws:///${zone}/${instanceId}` },
    status: {
      capacity,
      allocatable,
      addresses: [
        { type: "InternalIP", address: ip },
        { type: "Hostname", address: name },
        { type: "InternalDNS", address: name },
      ],
      nodeInfo: {
        architecture: "amd64",
        bootID: "",
        containerRuntimeVersion: "containerd://2.1.4",
        kernelVersion: "6.12.40-63.114.amzn2023.x86_64",
        kubeProxyVersion: "",
        kubeletVersion: "",
        machineID: "",
        operatingSystem: "linux",
        osImage: "Amazon Linux 2023.8.20250915",
        systemUUID: "",
      },
    },
  };
}

/** The fake nodes of every group, one per zone. */
export function fakeNodes(groups: readonly NodeGroup[] = NODE_GROUPS): V1Node[] {
  return groups.flatMap((group, index) =>
    group.zones.map((zone, ordinal) => nodeFor(group, zone, index, ordinal)),
  );
}

function isSchedulable(node: V1Node): boolean {
  const ready = node.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
  // The node lifecycle controller removes the not-ready taint once kwok reports the node Ready.
  const tainted = (node.spec?.taints ?? []).some((t) => t.key.startsWith("node.kubernetes.io/"));
  return ready && !tainted;
}

/**
 * Registers the fake nodes (kwok then plays their kubelets) and waits until each is Ready and
 * untainted, so that the scheduler can place pods on them.
 */
export async function registerNodes(
  kubeConfig: KubeConfig,
  nodes: V1Node[],
  timeoutMs = 60_000,
): Promise<void> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
  for (const node of nodes) {
    const name = node.metadata!.name!;
    await core.createNode({ body: node });
    // A node may carry its status on create, but kwok may already have initialised it: make sure
    // capacity, allocatable and addresses are the EC2 instance's.
    await core.patchNodeStatus({ name, body: { status: node.status } }, mergePatch);
  }
  const names = new Set(nodes.map((n) => n.metadata!.name!));
  const deadline = Date.now() + timeoutMs;
  let waiting: string[] = [...names];
  while (Date.now() < deadline) {
    const list = await core.listNode();
    waiting = [...names].filter((name) => {
      const node = list.items.find((n) => n.metadata?.name === name);
      return !node || !isSchedulable(node);
    });
    if (waiting.length === 0) return;
    await sleep(250);
  }
  throw new Error(`fake nodes not Ready and untainted within ${timeoutMs} ms: ${waiting.join(", ")}`);
}
