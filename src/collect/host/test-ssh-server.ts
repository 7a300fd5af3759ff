/**
 * A real SSH server for the collector's tests (ssh2's `Server` on 127.0.0.1,
 * port 0), answering allow-listed commands from fixtures and refusing anything
 * else. Not used at run time.
 */
import { connect as tcpConnect, createServer, type Server as NetServer, type Socket } from 'node:net';
import ssh2, { type Connection, type ParsedKey } from 'ssh2';

const { Server, utils } = ssh2;
import type { FakeAnswer } from './test-support.js';

export interface KeyPair {
  readonly private: string;
  readonly public: string;
}

/**
 * A fresh ed25519 key pair (passphrase KDF kept to 4 rounds so tests stay quick). ssh2's generator strips leading zero bytes from the
 * public key, so about 1 key in 256 cannot be parsed back (mscdex/ssh2 #1390,
 * #1513); such pairs are thrown away and drawn again.
 */
export function ed25519(passphrase?: string): KeyPair {
  for (let attempt = 0; attempt < 20; attempt++) {
    const pair = passphrase ? utils.generateKeyPairSync('ed25519', { passphrase, cipher: 'aes256-ctr', rounds: 4 }) : utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(pair.private, passphrase) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error)) return { private: pair.private, public: pair.public };
  }
  throw new Error('could not generate a usable ed25519 key pair');
}

/** The `keytype base64` part of a public key line, for known_hosts. */
export function publicKeyField(pair: KeyPair): string {
  return pair.public.split(' ').slice(0, 2).join(' ');
}

export type Answer = FakeAnswer | 'hang';

export interface FakeSshServerOptions {
  readonly hostKey: KeyPair;
  /** The client keys (public, OpenSSH format) the server accepts. */
  readonly authorizedKeys: readonly string[];
  /** The answer to an exec request; undefined means "refused". */
  readonly answer?: (command: string) => Answer | undefined;
  /** Act as a jump host: accept direct-tcpip channels. */
  readonly forwarding?: boolean;
}

export interface FakeSshServer {
  readonly port: number;
  /** Every command received, in order. */
  readonly commands: string[];
  /** Commands answered with "refused". */
  readonly refused: string[];
  /** direct-tcpip destinations asked for (jump host). */
  readonly forwards: string[];
  close(): Promise<void>;
}

export function startSshServer(options: FakeSshServerOptions): Promise<FakeSshServer> {
  const keys = options.authorizedKeys.map((k) => {
    const parsed = utils.parseKey(k);
    if (parsed instanceof Error) throw parsed;
    return (Array.isArray(parsed) ? parsed[0] : parsed) as ParsedKey;
  });
  const commands: string[] = [];
  const refused: string[] = [];
  const forwards: string[] = [];
  const clients = new Set<Connection>();
  const sockets = new Set<Socket>();
  const server = new Server({ hostKeys: [options.hostKey.private] }, (client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
      const key = keys.find((k) => ctx.key.algo === k.type && ctx.key.data.equals(k.getPublicSSH()));
      if (!key) return ctx.reject(['publickey']);
      if (ctx.signature && ctx.blob && key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) return ctx.reject(['publickey']);
      return ctx.accept();
    });
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('exec', (acceptExec, _reject, info) => {
          commands.push(info.command);
          const answer = options.answer?.(info.command);
          const stream = acceptExec();
          if (answer === 'hang') return;
          if (!answer) {
            refused.push(info.command);
            stream.stderr.write(`refused by the test server: ${info.command}\n`);
            stream.exit(126);
            stream.end();
            return;
          }
          stream.write(answer.stdout);
          if (answer.stderr) stream.stderr.write(answer.stderr);
          stream.exit(answer.code ?? 0);
          stream.end();
        });
      });
      client.on('tcpip', (acceptTcp, rejectTcp, info) => {
        forwards.push(`${info.destIP}:${info.destPort}`);
        if (!options.forwarding) return rejectTcp();
        const channel = acceptTcp();
        const socket = tcpConnect(info.destPort, info.destIP);
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => channel.destroy());
        channel.on('error', () => socket.destroy());
        channel.pipe(socket).pipe(channel);
      });
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      resolve({
        port,
        commands,
        refused,
        forwards,
        close: () =>
          new Promise<void>((done) => {
            for (const c of clients) c.end();
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** Accepts TCP and never says a word: the "ssh hangs" host. */
export function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: NetServer = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: (server.address() as { port: number }).port,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
