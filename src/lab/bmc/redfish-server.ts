/**
 * The BMCs' Redfish service over plain HTTP: one listener on 0.0.0.0 answers for
 * every BMC address and picks the BMC by the address dialled (as the hosts' SSH
 * does), and drops peers that are not loopback before reading a byte.
 *
 * It serves what a Redfish client needs to power-cycle a box: the service root, the
 * Systems and Managers collections, one ComputerSystem (`/redfish/v1/Systems/1`, as
 * most vendors number it) with its `ComputerSystem.Reset` action, and one Manager.
 * Only the service root answers without credentials, as the specification asks;
 * the rest wants HTTP basic auth. Errors carry Redfish's `error` object with
 * `@Message.ExtendedInfo`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stringify } from 'yaml';
import { LabBmcs, RESET_TYPES, type LabBmc, type LabBmcsOptions, type ResetType } from './power.js';
import type { LabFaults } from '../scenarios/faults.js';

export interface LabBmcServerOptions extends LabBmcsOptions {
  /** TCP port on every BMC address; 0 (default) picks a free one. */
  port?: number;
}

export interface LabBmcServer {
  readonly port: number;
  readonly bmcs: LabBmcs;
  /** `http://<bmc address>:<port>` of a hypervisor's BMC. */
  url(hostname: string): string;
  /** `hypervisors: {<name>: {address, username, password}}`, the form faultline's bmc.inventory reads. Holds the passwords. */
  inventoryYaml(): string;
  close(): Promise<void>;
}

interface RedfishAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  resetType?: string | null;
  result?: string;
}

const SYSTEM = '/redfish/v1/Systems/1';
const MANAGER = '/redfish/v1/Managers/1';
const RESET_TARGET = `${SYSTEM}/Actions/ComputerSystem.Reset`;
const MAX_BODY = 64 * 1024;

function plainV4(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

function isLoopback(address: string | undefined): boolean {
  const v4 = plainV4(address);
  return v4.startsWith('127.') || v4 === '::1';
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A stable UUID per box, so a client that keys systems by UUID sees the same one across lab restarts. */
function systemUuid(hostname: string): string {
  const h = createHash('sha256').update(`bmc-system:${hostname}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function redfishError(status: number, messageId: string, message: string, args: string[] = [], resolution?: string): RedfishAnswer {
  return {
    status,
    body: {
      error: {
        code: status >= 500 ? 'Base.1.8.InternalError' : 'Base.1.8.GeneralError',
        message: 'A general error has occurred. See ExtendedInfo for more information.',
        '@Message.ExtendedInfo': [
          {
            '@odata.type': '#Message.v1_1_1.Message',
            MessageId: messageId,
            Message: message,
            MessageArgs: args,
            Severity: status >= 500 ? 'Critical' : 'Warning',
            ...(resolution ? { Resolution: resolution } : {}),
          },
        ],
      },
    },
  };
}

function serviceRoot(bmc: LabBmc): unknown {
  return {
    '@odata.id': '/redfish/v1/',
    '@odata.type': '#ServiceRoot.v1_5_0.ServiceRoot',
    Id: 'RootService',
    Name: 'Root Service',
    RedfishVersion: '1.6.0',
    UUID: systemUuid(`${bmc.hostname}:manager`),
    Systems: { '@odata.id': '/redfish/v1/Systems' },
    Managers: { '@odata.id': '/redfish/v1/Managers' },
  };
}

function collection(id: string, type: string, name: string, members: string[]): unknown {
  return { '@odata.id': id, '@odata.type': `#${type}.${type}`, Name: name, Members: members.map((m) => ({ '@odata.id': m })), 'Members@odata.count': members.length };
}

function computerSystem(bmcs: LabBmcs, bmc: LabBmc): unknown {
  const hv = bmc.hypervisor;
  const last = bmcs.lastResetTime(bmc.hostname);
  const power = bmcs.powerState(bmc.hostname);
  return {
    '@odata.id': SYSTEM,
    '@odata.type': '#ComputerSystem.v1_13_0.ComputerSystem',
    Id: '1',
    Name: 'Computer System',
    SystemType: 'Physical',
    HostName: hv.hostname,
    Manufacturer: 'Dell Inc.',
    Model: `PowerEdge ${hv.hardware.model}`,
    SerialNumber: systemUuid(hv.hostname).slice(0, 7).toUpperCase(),
    UUID: systemUuid(hv.hostname),
    PowerState: power,
    ...(last === null ? {} : { LastResetTime: new Date(last).toISOString() }),
    Status: { State: 'Enabled', Health: 'OK' },
    ProcessorSummary: { Count: 2, Model: hv.cpuModel },
    MemorySummary: { TotalSystemMemoryGiB: hv.hardware.memoryGiB },
    // Every real BMC has it, and sushy refuses a system without it.
    Boot: {
      BootSourceOverrideEnabled: 'Disabled',
      BootSourceOverrideTarget: 'None',
      'BootSourceOverrideTarget@Redfish.AllowableValues': ['None', 'Pxe', 'Hdd', 'Cd', 'BiosSetup'],
      BootSourceOverrideMode: 'UEFI',
    },
    Actions: {
      '#ComputerSystem.Reset': { target: RESET_TARGET, 'ResetType@Redfish.AllowableValues': [...RESET_TYPES] },
    },
    Links: { ManagedBy: [{ '@odata.id': MANAGER }] },
  };
}

function manager(bmc: LabBmc): unknown {
  return {
    '@odata.id': MANAGER,
    '@odata.type': '#Manager.v1_10_0.Manager',
    Id: '1',
    Name: 'Manager',
    ManagerType: 'BMC',
    FirmwareVersion: '6.10.30.00',
    UUID: systemUuid(`${bmc.hostname}:manager`),
    PowerState: 'On',
    Status: { State: 'Enabled', Health: 'OK' },
    Links: { ManagerForServers: [{ '@odata.id': SYSTEM }] },
  };
}

/** The user in a basic Authorization header, and whether the password matched. */
function credentials(req: IncomingMessage, bmc: LabBmc): { user: string | null; ok: boolean } {
  const header = req.headers.authorization;
  const match = header ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (!match) return { user: null, ok: false };
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { user: null, ok: false };
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  return { user, ok: sameSecret(user, bmc.username) && sameSecret(password, bmc.password) };
}

function resetRequest(bmcs: LabBmcs, bmc: LabBmc, raw: string): RedfishAnswer {
  let body: unknown;
  try {
    body = raw.trim() === '' ? {} : JSON.parse(raw);
  } catch {
    return { ...redfishError(400, 'Base.1.8.MalformedJSON', 'The request body submitted was malformed JSON and could not be parsed by the receiving service.'), resetType: null };
  }
  const given = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>)['ResetType'] : undefined;
  if (given === undefined) return { ...redfishError(400, 'Base.1.8.ActionParameterMissing', 'The action ComputerSystem.Reset requires the parameter ResetType to be present in the request body.', ['ComputerSystem.Reset', 'ResetType']), resetType: null };
  if (typeof given !== 'string' || !(RESET_TYPES as readonly string[]).includes(given)) {
    const shown = typeof given === 'string' ? given : JSON.stringify(given);
    return {
      ...redfishError(400, 'Base.1.8.ActionParameterValueNotInList', `The value ${shown} for the parameter ResetType in the action ComputerSystem.Reset is not in the list of acceptable values.`, [shown, 'ResetType', 'ComputerSystem.Reset'], `Choose one of ${RESET_TYPES.join(', ')}.`),
      resetType: shown,
    };
  }
  const outcome = bmcs.reset(bmc.hostname, given as ResetType);
  if (!outcome.accepted) return { ...redfishError(outcome.status, outcome.messageId, outcome.message), resetType: given, result: outcome.message };
  return { status: 204, resetType: given, result: outcome.result };
}

async function answer(bmcs: LabBmcs, bmc: LabBmc, req: IncomingMessage, user: { user: string | null; ok: boolean }): Promise<RedfishAnswer> {
  const method = req.method ?? 'GET';
  const path = new URL(req.url ?? '/', 'http://bmc').pathname.replace(/\/+$/, '') || '/';
  const read = method === 'GET' || method === 'HEAD';
  if (path === '/redfish' && read) return { status: 200, body: { v1: '/redfish/v1/' } };
  if (path === '/redfish/v1' && read) return { status: 200, body: serviceRoot(bmc) };
  if (!user.ok) {
    return {
      ...redfishError(401, 'Base.1.8.InsufficientPrivilege', 'There are insufficient privileges for the account or credentials associated with the current session to perform the requested operation.'),
      headers: { 'WWW-Authenticate': 'Basic realm="Redfish"' },
    };
  }
  const resources: Record<string, () => unknown> = {
    '/redfish/v1/Systems': () => collection('/redfish/v1/Systems', 'ComputerSystemCollection', 'Computer System Collection', [SYSTEM]),
    [SYSTEM]: () => computerSystem(bmcs, bmc),
    '/redfish/v1/Managers': () => collection('/redfish/v1/Managers', 'ManagerCollection', 'Manager Collection', [MANAGER]),
    [MANAGER]: () => manager(bmc),
  };
  const resource = resources[path];
  if (resource) {
    if (read) return { status: 200, body: resource() };
    return { ...redfishError(405, 'Base.1.8.OperationNotAllowed', `The operation ${method} is not allowed on ${path}.`), headers: { Allow: 'GET, HEAD' } };
  }
  if (path === RESET_TARGET) {
    if (method !== 'POST') return { ...redfishError(405, 'Base.1.8.OperationNotAllowed', `The operation ${method} is not allowed on ${path}.`), headers: { Allow: 'POST' } };
    return resetRequest(bmcs, bmc, await readBody(req));
  }
  return redfishError(404, 'Base.1.8.ResourceMissingAtURI', `The resource at the URI ${path} was not found.`, [path], 'Place a valid resource at the URI or correct the URI and resubmit the request.');
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, method: string, out: RedfishAnswer): void {
  const payload = out.body === undefined || out.status === 204 ? '' : JSON.stringify(out.body);
  const headers: Record<string, string> = { 'OData-Version': '4.0', ...out.headers, 'Content-Length': String(Buffer.byteLength(payload)) };
  if (payload) headers['Content-Type'] = 'application/json; charset=utf-8';
  res.writeHead(out.status, headers);
  res.end(method === 'HEAD' ? undefined : payload);
}

/** Starts every hypervisor's BMC on one port. */
export async function startLabBmcs(faults: LabFaults, options: LabBmcServerOptions = {}): Promise<LabBmcServer> {
  const bmcs = new LabBmcs(faults, options);
  const server = createServer((req, res) => {
    const bmc = bmcs.atAddress(plainV4(req.socket.localAddress));
    if (!bmc) {
      res.destroy();
      return;
    }
    const method = req.method ?? 'GET';
    const user = credentials(req, bmc);
    const path = new URL(req.url ?? '/', 'http://bmc').pathname;
    answer(bmcs, bmc, req, user)
      .catch((err: unknown) => redfishError(500, 'Base.1.8.InternalError', `The request failed due to an internal service error: ${err instanceof Error ? err.message : String(err)}`))
      .then((out) => {
        bmcs.record({ bmc: bmc.hostname, address: bmc.address, user: user.user, method, path, resetType: out.resetType ?? null, status: out.status, result: out.result ?? (out.status < 400 ? 'ok' : 'refused') });
        send(res, method, out);
      })
      .catch(() => res.destroy());
  });
  server.keepAliveTimeout = 5_000;
  server.on('connection', (socket) => {
    if (!isLoopback(socket.remoteAddress) || !bmcs.atAddress(plainV4(socket.localAddress))) socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port ?? 0, host: '0.0.0.0' }, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: unknown) => {
    bmcs.close();
    throw err;
  });
  const port = (server.address() as AddressInfo).port;
  let closed = false;
  return {
    port,
    bmcs,
    url(hostname) {
      const bmc = bmcs.ofHost(hostname);
      if (!bmc) throw new Error(`no BMC for hypervisor ${hostname}`);
      return `http://${bmc.address}:${port}`;
    },
    inventoryYaml() {
      return stringify({ hypervisors: Object.fromEntries(bmcs.list().map((b) => [b.hostname, { address: `http://${b.address}:${port}`, username: b.username, password: b.password }])) });
    },
    async close() {
      if (closed) return;
      closed = true;
      bmcs.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
