// A client of the Kubernetes Container Runtime Interface (runtime.v1) over a unix socket: the calls a kubelet makes to
// run a pod, and the calls that find a pod's containers. The protocol is the subset in cri-subset.proto.
import fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { badInput, toolMissing } from '../errors.js';
import { fromRoot } from '../util/paths.js';
import type { CriMethods } from './types.js';

/** Where containerd and CRI-O serve the CRI by default, in the order they are tried. */
export const DEFAULT_CRI_ENDPOINTS: readonly string[] = [
  'unix:///run/containerd/containerd.sock',
  'unix:///run/crio/crio.sock',
];

/** How long one call may take unless the caller says otherwise. */
const DEFAULT_DEADLINE_MS = 15_000;

/** The socket path of a `unix://` endpoint (or of an absolute path given as is). */
export function socketPath(endpoint: string): string {
  const m = /^unix:\/\/(\/.*)$/.exec(endpoint);
  if (m?.[1]) return m[1];
  if (endpoint.startsWith('/')) return endpoint;
  throw badInput(`CRI endpoint ${JSON.stringify(endpoint)}: expected unix:///PATH/TO/SOCKET`);
}

/** The endpoint to use: the one given, else the first default whose socket exists. */
export function chooseEndpoint(given: string | undefined): string {
  if (given !== undefined) {
    socketPath(given);
    return given.startsWith('/') ? `unix://${given}` : given;
  }
  const found = DEFAULT_CRI_ENDPOINTS.find((e) => fs.existsSync(socketPath(e)));
  return found ?? DEFAULT_CRI_ENDPOINTS[0]!;
}

let definition: grpc.GrpcObject | undefined;

function serviceClient(): grpc.ServiceClientConstructor {
  if (!definition) {
    const pkg = protoLoader.loadSync(fromRoot('src', 'cri', 'cri-subset.proto'), {
      keepCase: true,
      longs: Number,
      enums: String,
      defaults: true,
    });
    definition = grpc.loadPackageDefinition(pkg);
  }
  const runtime = (definition['runtime'] as grpc.GrpcObject)['v1'] as grpc.GrpcObject;
  return runtime['RuntimeService'] as grpc.ServiceClientConstructor;
}

type Unary = (req: unknown, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;

/** A connection to one CRI runtime. */
export class CriClient {
  readonly endpoint: string;
  readonly #client: grpc.Client;

  private constructor(endpoint: string, client: grpc.Client) {
    this.endpoint = endpoint;
    this.#client = client;
  }

  /** Connect to `endpoint` (unix://PATH); toolMissing when nothing listens there. */
  static connect(endpoint: string): CriClient {
    const sock = socketPath(endpoint);
    if (!fs.existsSync(sock)) throw noRuntime(endpoint, `${sock} does not exist`);
    const Ctor = serviceClient();
    // grpc-js wants unix:PATH or unix:///PATH; the socket path is given as is
    const client = new Ctor(`unix://${sock}`, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
    });
    return new CriClient(endpoint, client);
  }

  /** Call `method` with `request`; errors name the endpoint, the call and what the runtime said. */
  call<M extends keyof CriMethods>(
    method: M,
    request: CriMethods[M][0],
    deadlineMs = DEFAULT_DEADLINE_MS,
  ): Promise<CriMethods[M][1]> {
    const fn = (this.#client as unknown as Record<string, Unary>)[method]!.bind(this.#client) as Unary;
    return new Promise((resolve, reject) => {
      fn(request, { deadline: Date.now() + deadlineMs }, (err, res) => {
        if (!err) return resolve(res as CriMethods[M][1]);
        if (err.code === grpc.status.UNAVAILABLE) return reject(noRuntime(this.endpoint, err.details || err.message));
        if (err.code === grpc.status.DEADLINE_EXCEEDED)
          return reject(
            toolMissing(`CRI runtime at ${this.endpoint}: ${method} did not answer within ${deadlineMs} ms`),
          );
        const what = grpc.status[err.code] ?? String(err.code);
        reject(badInput(`CRI runtime at ${this.endpoint}: ${method} failed (${what}): ${err.details || err.message}`));
      });
    });
  }

  close(): void {
    this.#client.close();
  }
}

function noRuntime(endpoint: string, why: string): Error {
  return toolMissing(`no CRI runtime at ${endpoint}: is containerd running? (${why})`);
}
