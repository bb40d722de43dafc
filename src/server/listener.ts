/**
 * One TCP port serving HTTP/1.1 and cleartext HTTP/2 (h2c with prior knowledge). The first bytes of a connection
 * decide: the HTTP/2 client preface goes to the HTTP/2 server, anything else to the HTTP/1.1 server. Both hand
 * requests to the same handler through Node's compatibility API.
 *
 * Shutdown: stop accepting, let in-flight requests finish (HTTP/1.1 connections close once idle, HTTP/2 sessions
 * get GOAWAY), and after a grace period close whatever is left.
 */
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import { serverDefaults } from "../config/limits.js";

const http2Preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

export type HttpRequest = http.IncomingMessage | http2.Http2ServerRequest;
export type HttpResponse = http.ServerResponse | http2.Http2ServerResponse;
export type RequestHandler = (request: HttpRequest, response: HttpResponse) => void;

export interface ListenerOptions {
  readonly host: string;
  readonly port: number;
}

export class Listener {
  private readonly tcp: net.Server;
  private readonly http1: http.Server;
  private readonly http2: http2.Http2Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly sessions = new Set<http2.Http2Session>();
  private inFlight = 0;
  private drained: (() => void) | null = null;
  private closing = false;

  constructor(handler: RequestHandler) {
    const tracked: RequestHandler = (request, response) => {
      this.inFlight++;
      response.once("close", () => {
        this.inFlight--;
        if (this.inFlight === 0) this.drained?.();
      });
      if (this.closing && response instanceof http.ServerResponse) response.shouldKeepAlive = false;
      handler(request, response);
    };
    this.http1 = http.createServer({ keepAliveTimeout: 60_000 }, tracked);
    this.http2 = http2.createServer(
      {
        // Room for a piece of an answer queued on every stream a client may open (http-handler.ts writes answers in
        // pieces), besides Node's default 10 MB for everything else.
        maxSessionMemory: 10 + Math.ceil((serverDefaults.http2MaxConcurrentStreams * serverDefaults.responsePieceBytes) / (1024 * 1024)),
        settings: { maxConcurrentStreams: serverDefaults.http2MaxConcurrentStreams, initialWindowSize: serverDefaults.http2StreamWindowBytes },
      },
      tracked,
    );
    this.http2.on("session", (session) => {
      // Node's 64 KiB default windows make a client stop every 64 KiB of a multi-MiB PutRecords body to wait for a
      // WINDOW_UPDATE; request bodies are bounded anyway, so let whole ones through at once.
      session.setLocalWindowSize(serverDefaults.http2ConnectionWindowBytes);
      this.sessions.add(session);
      session.once("close", () => this.sessions.delete(session));
    });
    this.tcp = net.createServer({ noDelay: true }, (socket) => this.route(socket));
  }

  listen(options: ListenerOptions): Promise<net.AddressInfo> {
    return new Promise((resolve, reject) => {
      this.tcp.once("error", reject);
      this.tcp.listen(options.port, options.host, () => {
        this.tcp.off("error", reject);
        resolve(this.tcp.address() as net.AddressInfo);
      });
    });
  }

  /** Stops accepting, waits up to `graceMs` for in-flight requests, then closes every connection. */
  async close(graceMs: number): Promise<void> {
    this.closing = true;
    const stopped = new Promise<void>((resolve) => this.tcp.close(() => resolve()));
    this.http1.closeIdleConnections();
    for (const session of this.sessions) session.close();
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    for (const socket of this.sockets) socket.destroy();
    await stopped;
  }

  private route(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      const compared = Math.min(received.length, http2Preface.length);
      const isHttp2 = received.subarray(0, compared).equals(http2Preface.subarray(0, compared));
      if (isHttp2 && received.length < http2Preface.length) return;
      socket.off("data", onData);
      socket.pause();
      socket.unshift(received);
      // The HTTP/2 session takes the bytes already read from the socket's buffer itself; resuming would drop them.
      if (isHttp2) {
        this.http2.emit("connection", socket);
      } else {
        this.http1.emit("connection", socket);
        socket.resume();
      }
    };
    socket.on("data", onData);
  }
}
