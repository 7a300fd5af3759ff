import type { AnyDetector } from '../define.js';
import hypervisorDown from './hypervisor-down.js';
import hypervisorMassImpact from './hypervisor-mass-impact.js';
import networkAgentsDown from './network-agents-down.js';
import serverError from './server-error.js';
import serverShutoffFlapping from './server-shutoff-flapping.js';
import serverStuckTask from './server-stuck-task.js';
import serverUnreachable from './server-unreachable.js';
import serverUnrequestedShutoff from './server-unrequested-shutoff.js';
import diskDataLoss from './disk-data-loss.js';
import kernelOopsQemu from './kernel-oops-qemu.js';
import hungTask from './hung-task.js';
import guestAsyncPfPanic from './guest-async-pf-panic.js';
import rootMountPanic from './root-mount-panic.js';
import qcow2RefcountErrors from './qcow2-refcount-errors.js';
import ioErrors from './io-errors.js';
import oomKill from './oom-kill.js';
import swapEnabled from './swap-enabled.js';
import memoryPressure from './memory-pressure.js';
import filesystemFull from './filesystem-full.js';
import nvmeErrorLog from './nvme-error-log.js';
import smartFailing from './smart-failing.js';
import smrDiskHotPath from './smr-disk-hot-path.js';
import cpuOverheat from './cpu-overheat.js';
import unexpectedReboot from './unexpected-reboot.js';
import virtualizationMisconfigured from './virtualization-misconfigured.js';
import computeAgentsDown from './compute-agents-down.js';
import partNeedsJudgement from './part-needs-judgement.js';
import partNonUrgent from './part-non-urgent.js';
import partUrgent from './part-urgent.js';
import nodeNotReady from './node-not-ready.js';
import kubeletDown from './kubelet-down.js';
import containerRuntimeDown from './container-runtime-down.js';
import nodeNeverJoined from './node-never-joined.js';
import nodeVersionSkew from './node-version-skew.js';
import nodeNetwork from './node-network.js';
import systemPodUnhealthy from './system-pod-unhealthy.js';
import staticPodUnhealthy from './static-pod-unhealthy.js';
import podFailed from './pod-failed.js';
import podCrashloop from './pod-crashloop.js';
import warningEvents from './warning-events.js';
import controlPlaneWorkloads from './control-plane-workloads.js';
import serviceNoEndpoints from './service-no-endpoints.js';
import servicePartiallyAvailable from './service-partially-available.js';
import podWithoutRequests from './pod-without-requests.js';
import podWithoutLimits from './pod-without-limits.js';
import podWithoutProbes from './pod-without-probes.js';
import workloadShortOfReplicas from './workload-short-of-replicas.js';
import jobFailed from './job-failed.js';
import cronjobInvalidSchedule from './cronjob-invalid-schedule.js';
import pvcNotBound from './pvc-not-bound.js';
import ingressMissingService from './ingress-missing-service.js';
import webhookNoEndpoints from './webhook-no-endpoints.js';
import deprecatedApi from './deprecated-api.js';
import unusedService from './unused-service.js';
import rolloutLag from './rollout-lag.js';
import partJudgementOverTime from './part-judgement-over-time.js';
import hypervisorReplaceBox from './hypervisor-replace-box.js';
import serverStoppedByHostRepeatedly from './server-stopped-by-host-repeatedly.js';
import findingRecurrence from './finding-recurrence.js';

/**
 * Every detector faultline ships, in documentation order. A parity test checks
 * that each file under rules/ is listed here and has a docs page.
 */
export const detectors = [
  // OpenStack API layer: servers, then the hypervisors and agents under them.
  serverError,
  serverUnreachable,
  serverUnrequestedShutoff,
  serverShutoffFlapping,
  serverStoppedByHostRepeatedly,
  serverStuckTask,
  hypervisorDown,
  hypervisorMassImpact,
  networkAgentsDown,
  computeAgentsDown,
  // Host layer: kernel, guest consoles, libvirt, memory, filesystems, disks, sensors, readiness.
  kernelOopsQemu,
  hungTask,
  guestAsyncPfPanic,
  rootMountPanic,
  qcow2RefcountErrors,
  ioErrors,
  oomKill,
  swapEnabled,
  memoryPressure,
  filesystemFull,
  nvmeErrorLog,
  smartFailing,
  smrDiskHotPath,
  cpuOverheat,
  unexpectedReboot,
  virtualizationMisconfigured,
  // Hardware alarms from the ticket feed, by handling class.
  partNonUrgent,
  partNeedsJudgement,
  partJudgementOverTime,
  hypervisorReplaceBox,
  partUrgent,
  diskDataLoss,
  // Kubernetes layer: nodes and the servers under them, then pods, workloads, Services, and hygiene.
  nodeNotReady,
  kubeletDown,
  containerRuntimeDown,
  nodeNeverJoined,
  nodeVersionSkew,
  nodeNetwork,
  systemPodUnhealthy,
  staticPodUnhealthy,
  podFailed,
  podCrashloop,
  warningEvents,
  controlPlaneWorkloads,
  serviceNoEndpoints,
  servicePartiallyAvailable,
  podWithoutRequests,
  podWithoutLimits,
  podWithoutProbes,
  workloadShortOfReplicas,
  jobFailed,
  cronjobInvalidSchedule,
  pvcNotBound,
  ingressMissingService,
  webhookNoEndpoints,
  deprecatedApi,
  unusedService,
  rolloutLag,
  // Memory: a problem that was solved before and is back (needs the store).
  findingRecurrence,
] as const satisfies readonly AnyDetector[];

export type DetectorId = (typeof detectors)[number]['id'];
