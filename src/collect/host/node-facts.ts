/**
 * Turns the outputs of the node commands (`NODE_COMMANDS`) on one Kubernetes node VM
 * into its `hostFacts` entry: what the hypervisor assembly reads (kernel log, memory,
 * swap, filesystems, reboots) plus the node's units, containerd socket, interfaces
 * (the storage ones by name), iSCSI sessions, multipath maps and kubeadm join errors.
 * Pure, like `assembleHost`.
 */
import { NODE_UNITS } from './commands.js';
import { assembleHost, missingTool, type CommandOutput, type HostFactsInput, type HostOutputs } from './facts.js';
import type { Parsed } from './parsers/common.js';
import { iscsiNothingFound, parseIpAddrJson, parseIscsiadm, parseJoinErrors, parseMultipathLl } from './parsers/node.js';
import { parseSystemctlIsActive } from './parsers/systemctl.js';

/** Storage NIC names when none are configured: the netplan names storage networks get on Krane nodes. */
export const DEFAULT_STORAGE_INTERFACES = '^(stor|san|iscsi)';

export interface NodeAssembleOptions {
  readonly collectedAt: Date;
  /** Interfaces whose name matches carry storage traffic (judged against the jumbo MTU). */
  readonly storageInterfaces?: RegExp;
}

export function assembleNode(host: string, outputs: HostOutputs, options: NodeAssembleOptions): HostFactsInput {
  const { facts } = assembleHost(host, outputs, { collectedAt: options.collectedAt });
  // The hypervisor assembly reads virtualization from commands a node is not asked.
  delete facts.virtualization;
  facts.role = 'node';
  const warnings = facts.warnings ?? [];
  const take = <T>(p: Parsed<T>): T => {
    warnings.push(...p.warnings);
    return p.value;
  };
  const answer = (id: string): CommandOutput | undefined => {
    const o = outputs.get(id);
    if (!o) return undefined;
    if (missingTool(o)) {
      warnings.push(`${o.command}: not installed`);
      return undefined;
    }
    if (o.exitCode === null) {
      warnings.push(`${o.command}: did not finish`);
      return undefined;
    }
    return o;
  };

  const units = answer('nodeServices');
  if (units && units.stdout.trim()) facts.services = { ...(facts.services ?? {}), ...take(parseSystemctlIsActive(units.stdout, NODE_UNITS)) };
  else if (units) warnings.push(`${units.command}: ${units.stderr.trim().split('\n')[0]?.slice(0, 200) || 'no answer'}`);

  const socket = answer('containerdSocket');
  // test exits 0 (a socket is there) or 1 (not); anything else (sudo refused) says nothing about the socket.
  if (socket && (socket.exitCode === 0 || socket.exitCode === 1) && !socket.stderr.trim()) facts.containerdSocket = socket.exitCode === 0;
  else if (socket) warnings.push(`${socket.command}: ${socket.stderr.trim().split('\n')[0]?.slice(0, 200) || `exit ${socket.exitCode}`}`);

  const journal = answer('nodeJournal');
  if (journal && (journal.exitCode === 0 || journal.stdout.trim())) {
    const errors = take(parseJoinErrors(journal.stdout));
    if (errors.length) facts.nodeJoinErrors = errors;
  } else if (journal) warnings.push(`${journal.command}: ${journal.stderr.trim().split('\n')[0]?.slice(0, 200) || `exit ${journal.exitCode}`}`);

  const nics = answer('interfaces');
  if (nics && nics.exitCode === 0) {
    const storage = options.storageInterfaces ?? new RegExp(DEFAULT_STORAGE_INTERFACES);
    facts.interfaces = take(parseIpAddrJson(nics.stdout)).map((n) => ({
      ...n,
      // Loopback and tunnels carry no MTU policy; everything else not named for storage is the node's own network.
      role: storage.test(n.name) ? 'storage' : n.name === 'lo' || /^(tunl|vxlan|cali|flannel|cni|docker|veth|kube-ipvs)/.test(n.name) ? 'other' : 'service',
    }));
  } else if (nics) warnings.push(`${nics.command}: ${nics.stderr.trim().split('\n')[0]?.slice(0, 200) || `exit ${nics.exitCode}`}`);

  const nodes = answer('iscsiNodes');
  const sessions = answer('iscsiSessions');
  const read = (o: CommandOutput | undefined, mode: 'node' | 'session'): ReturnType<typeof parseIscsiadm>['value'] | undefined => {
    if (!o) return undefined;
    if (o.exitCode === 0) return take(parseIscsiadm(o.stdout, mode));
    if (iscsiNothingFound(o.stderr, o.exitCode)) return [];
    warnings.push(`${o.command}: ${o.stderr.trim().split('\n')[0]?.slice(0, 200) || `exit ${o.exitCode}`}`);
    return undefined;
  };
  const iscsiNodes = read(nodes, 'node');
  const iscsiSessions = read(sessions, 'session');
  // Without the configured targets a missing session cannot be told from one never wanted.
  if (iscsiNodes !== undefined && iscsiSessions !== undefined) facts.iscsi = { nodes: iscsiNodes, sessions: iscsiSessions };

  const mp = answer('multipath');
  if (mp && mp.exitCode === 0) facts.multipath = take(parseMultipathLl(mp.stdout));
  else if (mp) warnings.push(`${mp.command}: ${mp.stderr.trim().split('\n')[0]?.slice(0, 200) || `exit ${mp.exitCode}`}`);

  facts.warnings = warnings;
  return facts;
}
