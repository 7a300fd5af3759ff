/**
 * Fault codes as faultline knows them. Ticket systems, BMC exporters and
 * Alertmanager rules each spell the same fault their own way ("HW_MC_ERROR",
 * "MachineCheckException", "mce"); the detectors match canonical codes only, so
 * the feed is normalised here, once, at the edge.
 */

export interface FaultCodeEntry {
  /** The canonical code the detectors match. */
  readonly code: string;
  /** What the code means, in the operator's words. */
  readonly meaning: string;
  /** Other spellings seen in feeds; compared ignoring case and punctuation. */
  readonly aliases: readonly string[];
}

export const FAULT_CODES: readonly FaultCodeEntry[] = [
  { code: 'PING_FAIL', meaning: 'host does not answer ping', aliases: ['PING', 'PING_FAILED', 'PING_FAILURE', 'ICMP_FAIL', 'HOST_UNREACHABLE'] },
  { code: 'SYS_KERNEL_PANIC', meaning: 'kernel panic or oops on the host', aliases: ['KERNEL_PANIC', 'PANIC', 'SYS_PANIC', 'KERNEL_OOPS'] },
  {
    code: 'HW-MC-ERROR',
    meaning: 'machine-check error reported by the CPU',
    aliases: ['HW_MC_ERROR', 'MC_ERROR', 'MCE', 'MACHINE_CHECK', 'MACHINE_CHECK_ERROR', 'MACHINE_CHECK_EXCEPTION'],
  },
  {
    code: 'MEM_SBE',
    meaning: 'memory single-bit (correctable) errors',
    aliases: [
      'MEMORY_SBE',
      'SBE',
      'SINGLE_BIT_ERROR',
      'MEMORY_SINGLE_BIT_ERROR',
      'MEM_SINGLE_BIT_ERROR',
      'MEM_CE',
      'MEMORY_CE',
      'CORRECTABLE_ECC',
      'ECC_CORRECTABLE',
      'MEMORY_CORRECTABLE_ERROR',
      'CORRECTABLE_MEMORY_ERROR',
    ],
  },
  {
    code: 'MEM_UE',
    meaning: 'memory uncorrectable (multi-bit) errors or a failed DIMM',
    // A bare "memory" fault is filed with the urgent parts, as the runbook does:
    // correctable errors always arrive under their own single-bit name.
    aliases: [
      'MEMORY_UE',
      'MEM_MBE',
      'MULTI_BIT_ERROR',
      'MEMORY_MULTI_BIT_ERROR',
      'UNCORRECTABLE_ECC',
      'ECC_UNCORRECTABLE',
      'MEMORY_UNCORRECTABLE_ERROR',
      'UNCORRECTABLE_MEMORY_ERROR',
      'MEMORY',
      'MEM',
      'MEMORY_FAIL',
      'MEMORY_FAILURE',
      'DIMM_FAIL',
      'DIMM_FAILURE',
    ],
  },
  {
    code: 'DISK_FAILURE_PREDICTED',
    meaning: 'a drive predicts its own failure (SMART trip, predictive failure)',
    aliases: ['FAILURE_PREDICTED', 'DISK_PREDICTED_FAILURE', 'PREDICTIVE_FAILURE', 'DISK_PREDICTIVE_FAILURE', 'DISK_PFA', 'PD_PREDICTIVE_FAILURE', 'SMART_FAILURE_PREDICTED'],
  },
  {
    code: 'DISK_SMART_ERROR',
    meaning: 'smartctl reports errors on a drive',
    aliases: ['SMART_ERROR', 'SMARTCTL', 'SMARTCTL_ERROR', 'DISK_SMART', 'DISK_SMARTCTL_ERROR', 'SMART_WARNING', 'NVME_ERROR_LOG'],
  },
  {
    code: 'DISK_FAILED',
    meaning: 'a drive failed and must be replaced',
    aliases: ['DISK_FAIL', 'DISK_FAILURE', 'DISK_FAULT', 'DISK_DEAD', 'DRIVE_FAILED', 'DRIVE_FAILURE', 'HDD_FAIL', 'SSD_FAIL', 'NVME_FAIL', 'PD_FAILED', 'PHYSICAL_DISK_FAILED', 'DISK_REPLACE'],
  },
  { code: 'DISK_DATA_LOSS', meaning: 'data on a drive is lost', aliases: ['DATA_LOSS', 'DISK_DATA_LOST', 'DATA_LOST'] },
  { code: 'FAN', meaning: 'fan failure or fan speed out of range', aliases: ['FAN_FAIL', 'FAN_FAILURE', 'FAN_FAULT', 'FAN_ERROR', 'FAN_SPEED'] },
  { code: 'PSU', meaning: 'power supply failure', aliases: ['PSU_FAIL', 'PSU_FAILURE', 'PSU_FAULT', 'POWER_SUPPLY', 'POWER_SUPPLY_FAIL', 'POWER_SUPPLY_FAILURE'] },
  {
    code: 'PSU_REDUNDANCY_LOST',
    meaning: 'one of redundant power supplies lost; the host still has power',
    aliases: ['PSU_REDUNDANCY', 'PS_REDUNDANCY', 'PS_REDUNDANCY_LOST', 'POWER_REDUNDANCY_LOST', 'POWER_SUPPLY_REDUNDANCY_LOST', 'PSU_NOT_REDUNDANT'],
  },
  { code: 'CPU', meaning: 'processor failure', aliases: ['CPU_FAIL', 'CPU_FAILURE', 'CPU_FAULT', 'CPU_ERROR', 'CPU_IERR', 'IERR', 'PROCESSOR', 'PROCESSOR_FAILURE'] },
  { code: 'NIC', meaning: 'network card failure', aliases: ['NIC_FAIL', 'NIC_FAILURE', 'NIC_FAULT', 'NIC_ERROR', 'NETWORK_CARD', 'NETWORK_ADAPTER_FAILURE'] },
  { code: 'MAINBOARD', meaning: 'mainboard (system board) failure', aliases: ['MAINBOARD_FAIL', 'MAINBOARD_FAILURE', 'MOTHERBOARD', 'MOTHERBOARD_FAILURE', 'SYSTEM_BOARD', 'SYSTEM_BOARD_FAILURE', 'BOARD_FAILURE'] },
];

/** Upper-cased with everything but letters and digits dropped: `hw_mc-Error` and `HwMcError` meet. */
export function faultCodeKey(raw: string): string {
  return raw.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

const BY_KEY: ReadonlyMap<string, FaultCodeEntry> = (() => {
  const map = new Map<string, FaultCodeEntry>();
  for (const entry of FAULT_CODES) {
    for (const spelling of [entry.code, ...entry.aliases]) {
      const key = faultCodeKey(spelling);
      const prev = map.get(key);
      // Two entries claiming one spelling would make normalisation depend on table order.
      if (prev && prev !== entry) throw new Error(`fault code spelling "${spelling}" claimed by ${prev.code} and ${entry.code}`);
      map.set(key, entry);
    }
  }
  return map;
})();

export interface NormalisedFaultCode {
  readonly code: string;
  /** False when the table does not know the code; it is then kept upper-cased as given. */
  readonly known: boolean;
}

/** Maps a feed's spelling to the canonical code; unknown codes come back trimmed and upper-cased. */
export function normaliseFaultCode(raw: string): NormalisedFaultCode {
  const entry = BY_KEY.get(faultCodeKey(raw));
  return entry ? { code: entry.code, known: true } : { code: raw.trim().toUpperCase(), known: false };
}
